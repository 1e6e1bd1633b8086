using System.Security.Cryptography;

namespace DataTier.Postgres.Authentication;

/// <summary>The SCRAM-SHA-256 primitives of RFC 5802 section 3 with SHA-256 (RFC 7677).</summary>
internal static class ScramSha256
{
    public const string MechanismName = "SCRAM-SHA-256";

    public const int KeyLength = 32;

    // PostgreSQL's SCRAM_RAW_NONCE_LEN and SCRAM_DEFAULT_SALT_LEN.
    public const int RawNonceLength = 18;
    public const int DefaultSaltLength = 16;

    public const int DefaultIterations = 4096;

    // The base64 of the gs2 headers "n,," and "y,,", which is what client-final-message's c= carries without channel binding.
    public const string ChannelBindingNone = "biws";
    public const string ChannelBindingUnsupportedByServer = "eSws";

    /// <summary>Hi(password, salt, i): PBKDF2-HMAC-SHA-256 with one block of output.</summary>
    public static byte[] SaltedPassword(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations)
    {
        var salted = new byte[KeyLength];
        Rfc2898DeriveBytes.Pbkdf2(password, salt, salted, iterations, HashAlgorithmName.SHA256);
        return salted;
    }

    public static byte[] ClientKey(ReadOnlySpan<byte> saltedPassword) => HMACSHA256.HashData(saltedPassword, "Client Key"u8);

    public static byte[] ServerKey(ReadOnlySpan<byte> saltedPassword) => HMACSHA256.HashData(saltedPassword, "Server Key"u8);

    public static byte[] StoredKey(ReadOnlySpan<byte> clientKey) => SHA256.HashData(clientKey);

    public static byte[] Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) => HMACSHA256.HashData(key, data);

    public static void Xor(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (byte)(left[i] ^ right[i]);
        }
    }

    /// <summary>A nonce as PostgreSQL makes them: 18 random bytes in base64, 24 printable characters.</summary>
    public static string CreateNonce()
    {
        Span<byte> raw = stackalloc byte[RawNonceLength];
        RandomNumberGenerator.Fill(raw);
        return Convert.ToBase64String(raw);
    }

    /// <summary>RFC 5802's "printable": %x21-2B / %x2D-7E, every visible ASCII character but the comma.</summary>
    public static bool IsPrintable(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            if (b is < 0x21 or > 0x7E or (byte)',')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Decodes strict base64 (alphabet and padding only). .NET's decoder also skips whitespace, which PostgreSQL's
    /// <c>pg_b64_dec</c> refuses, so the alphabet is checked first to accept exactly what PostgreSQL accepts.
    /// </summary>
    public static bool TryDecodeBase64(ReadOnlySpan<byte> text, Span<byte> destination, out int written)
    {
        written = 0;
        foreach (byte b in text)
        {
            bool valid = b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'+' or (byte)'/' or (byte)'=';
            if (!valid)
            {
                return false;
            }
        }

        return System.Buffers.Text.Base64.DecodeFromUtf8(text, destination, out _, out written) == System.Buffers.OperationStatus.Done;
    }
}
