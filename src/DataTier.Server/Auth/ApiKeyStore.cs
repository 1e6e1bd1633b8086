using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace DataTier.Server.Auth;

/// <summary>
/// Looks a presented key up by hashing it and comparing against every stored hash in constant time, so neither
/// the comparison nor the number of keys checked leaks how close a guess was.
/// </summary>
public sealed class ApiKeyStore
{
    private readonly IOptionsMonitor<ApiKeyOptions> _options;
    private volatile Entry[] _entries;

    /// <summary>Creates the store and follows configuration reloads.</summary>
    public ApiKeyStore(IOptionsMonitor<ApiKeyOptions> options)
    {
        _options = options;
        _entries = Build(options.CurrentValue);
        options.OnChange(o => _entries = Build(o));
    }

    /// <summary>The key definition matching a presented key, or null.</summary>
    public ApiKeyDefinition? Find(ReadOnlySpan<char> presented)
    {
        int max = Encoding.UTF8.GetMaxByteCount(presented.Length);
        if (max > 4096)
        {
            return null;
        }

        Span<byte> utf8 = stackalloc byte[max];
        int n = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(utf8[..n], hash);
        ApiKeyDefinition? match = null;
        foreach (var entry in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(entry.Hash, hash))
            {
                match = entry.Definition;
            }
        }

        return match;
    }

    private static Entry[] Build(ApiKeyOptions options) =>
        options.Keys.Where(k => k.Sha256.Length == 64).Select(k => new Entry(Convert.FromHexString(k.Sha256), k)).ToArray();

    private sealed record Entry(byte[] Hash, ApiKeyDefinition Definition);
}
