using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace DataTier.Postgres.Authentication;

/// <summary>
/// What a server keeps to check a SCRAM-SHA-256 login without the password: salt, iteration count, StoredKey and
/// ServerKey (RFC 5802 section 3), the same secret PostgreSQL stores in <c>pg_authid.rolpassword</c>.
/// </summary>
/// <remarks>
/// Computing it costs the full PBKDF2 iteration count, so compute it once per API key and cache it; an exchange
/// against a verifier costs only a few HMACs. The password is prepared as <see cref="SaslPrep"/> describes: ASCII as
/// is, anything else as raw UTF-8.
/// </remarks>
public sealed class ScramVerifier
{
    private const string Prefix = "SCRAM-SHA-256$";

    private readonly byte[] _salt;
    private readonly byte[] _storedKey;
    private readonly byte[] _serverKey;

    private ScramVerifier(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey)
    {
        _salt = salt;
        Iterations = iterations;
        _storedKey = storedKey;
        _serverKey = serverKey;
    }

    /// <summary>PostgreSQL's default <c>scram_iterations</c>.</summary>
    public const int DefaultIterations = ScramSha256.DefaultIterations;

    /// <summary>The salt sent to clients in server-first-message.</summary>
    public ReadOnlyMemory<byte> Salt => _salt;

    /// <summary>The PBKDF2 iteration count sent to clients.</summary>
    public int Iterations { get; }

    /// <summary>H(ClientKey): what a client proof is checked against.</summary>
    public ReadOnlyMemory<byte> StoredKey => _storedKey;

    /// <summary>HMAC(SaltedPassword, "Server Key"): what the server proves itself with.</summary>
    public ReadOnlyMemory<byte> ServerKey => _serverKey;

    /// <summary>A verifier for <paramref name="password"/> with a fresh random 16-byte salt.</summary>
    public static ScramVerifier Create(string password, int iterations = DefaultIterations)
    {
        Span<byte> salt = stackalloc byte[ScramSha256.DefaultSaltLength];
        RandomNumberGenerator.Fill(salt);
        return Create(password, salt, iterations);
    }

    /// <summary>A verifier for <paramref name="password"/> with the given salt (tests, or a salt kept from earlier).</summary>
    public static ScramVerifier Create(string password, ReadOnlySpan<byte> salt, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (salt.IsEmpty)
        {
            throw new ArgumentException("a SCRAM salt cannot be empty", nameof(salt));
        }

        byte[] prepared = SaslPrep.Prepare(password);
        byte[] salted = ScramSha256.SaltedPassword(prepared, salt, iterations);
        try
        {
            byte[] clientKey = ScramSha256.ClientKey(salted);
            byte[] storedKey = ScramSha256.StoredKey(clientKey);
            CryptographicOperations.ZeroMemory(clientKey);
            return new ScramVerifier(salt.ToArray(), iterations, storedKey, ScramSha256.ServerKey(salted));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(salted);
            CryptographicOperations.ZeroMemory(prepared);
        }
    }

    /// <summary>A verifier from its parts, e.g. read back from storage.</summary>
    public static ScramVerifier FromKeys(ReadOnlySpan<byte> salt, int iterations, ReadOnlySpan<byte> storedKey, ReadOnlySpan<byte> serverKey)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (salt.IsEmpty || storedKey.Length != ScramSha256.KeyLength || serverKey.Length != ScramSha256.KeyLength)
        {
            throw new ArgumentException($"a SCRAM-SHA-256 verifier needs a salt and two {ScramSha256.KeyLength}-byte keys");
        }

        return new ScramVerifier(salt.ToArray(), iterations, storedKey.ToArray(), serverKey.ToArray());
    }

    /// <summary>
    /// Parses PostgreSQL's text form, <c>SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey</c> (base64 parts), as
    /// found in <c>pg_authid.rolpassword</c>.
    /// </summary>
    public static bool TryParsePostgresFormat(string? text, [NotNullWhen(true)] out ScramVerifier? verifier)
    {
        verifier = null;
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        string[] halves = text[Prefix.Length..].Split('$');
        if (halves.Length != 2)
        {
            return false;
        }

        string[] left = halves[0].Split(':');
        string[] right = halves[1].Split(':');
        if (left.Length != 2 || right.Length != 2
            || !int.TryParse(left[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int iterations)
            || iterations < 1)
        {
            return false;
        }

        byte[]? salt = TryFromBase64(left[1]);
        byte[]? storedKey = TryFromBase64(right[0]);
        byte[]? serverKey = TryFromBase64(right[1]);
        if (salt is not { Length: > 0 } || storedKey?.Length != ScramSha256.KeyLength || serverKey?.Length != ScramSha256.KeyLength)
        {
            return false;
        }

        verifier = new ScramVerifier(salt, iterations, storedKey, serverKey);
        return true;
    }

    /// <summary>
    /// PostgreSQL's text form, <c>SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey</c>. Not <c>ToString</c>: the keys
    /// are secrets (they let a holder impersonate the server), so they must never reach a log by accident.
    /// </summary>
    public string ToPostgresFormat() =>
        $"{Prefix}{Iterations}:{Convert.ToBase64String(_salt)}${Convert.ToBase64String(_storedKey)}:{Convert.ToBase64String(_serverKey)}";

    private static byte[]? TryFromBase64(string text)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out int written) ? buffer[..written] : null;
    }
}
