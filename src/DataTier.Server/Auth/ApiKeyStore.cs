using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace DataTier.Server.Auth;

/// <summary>
/// Looks a presented key up by hashing it and comparing against every stored hash in constant time, so neither
/// the comparison nor the number of keys checked leaks how close a guess was. A key that matched is remembered
/// (bounded, per configuration), so the next request with it costs a dictionary lookup, not a SHA-256: the
/// dictionary's string hash is randomized per process, so its timing tells a guesser nothing either. Keys that
/// did not match are never remembered (a stream of wrong keys cannot grow it).
/// </summary>
public sealed class ApiKeyStore
{
    private const int MaxRemembered = 1024;
    private readonly IOptionsMonitor<ApiKeyOptions> _options;
    private volatile Entry[] _entries;
    private volatile ConcurrentDictionary<string, ApiKeyDefinition> _matched = new(StringComparer.Ordinal);

    /// <summary>Creates the store and follows configuration reloads.</summary>
    public ApiKeyStore(IOptionsMonitor<ApiKeyOptions> options)
    {
        _options = options;
        _entries = Build(options.CurrentValue);
        options.OnChange(o =>
        {
            _entries = Build(o);
            // A rotated-out key must stop working at once.
            _matched = new ConcurrentDictionary<string, ApiKeyDefinition>(StringComparer.Ordinal);
        });
    }

    /// <summary>
    /// The key definition matching a presented key, or null. A remembered key is looked up by the span itself (the
    /// header's substring is never copied into a string for it).
    /// </summary>
    public ApiKeyDefinition? Find(ReadOnlySpan<char> presented)
    {
        var matched = _matched;
        if (matched.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(presented, out var known))
        {
            return known;
        }

        var found = FindByHash(presented);
        if (found is not null && matched.Count < MaxRemembered)
        {
            matched.TryAdd(presented.ToString(), found);
        }

        return found;
    }

    /// <summary>The key definition matching a presented key, or null, by hash (nothing remembered).</summary>
    public ApiKeyDefinition? FindByHash(ReadOnlySpan<char> presented)
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
