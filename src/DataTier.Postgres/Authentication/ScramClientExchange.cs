using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Authentication;

/// <summary>
/// The client side of one SCRAM-SHA-256 exchange, for DataTier logging in to a PostgreSQL backend: client-first-message,
/// then client-final-message from server-first-message, then a check of server-final-message.
/// </summary>
/// <remarks>
/// One instance per attempt, not thread-safe. Sends gs2 header "n,," (no channel binding) and an empty user name, as
/// libpq does: the server takes the user from the startup packet. A server that breaks the exchange is a
/// <see cref="PostgresProtocolException"/> (fatal): the backend connection cannot be used. The server's signature is
/// checked, so a server that does not know the password is caught, not just one that refuses ours.
/// </remarks>
public sealed class ScramClientExchange
{
    /// <summary>The mechanism name to send in SASLInitialResponse.</summary>
    public const string MechanismName = ScramSha256.MechanismName;

    private readonly string _password;
    private readonly string _clientNonce;
    private readonly string _userName;
    private byte[] _clientFirstBare = [];
    private byte[] _expectedServerSignature = [];
    private int _step;

    /// <summary>An exchange that proves knowledge of <paramref name="password"/>.</summary>
    public ScramClientExchange(string password)
        : this(password, ScramSha256.CreateNonce())
    {
    }

    /// <summary>For tests: a fixed client nonce, and a user name (PostgreSQL ignores it; RFC test vectors include one).</summary>
    internal ScramClientExchange(string password, string clientNonce, string userName = "")
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentException.ThrowIfNullOrEmpty(clientNonce);
        ArgumentNullException.ThrowIfNull(userName);
        _password = password;
        _clientNonce = clientNonce;

        // RFC 5802's saslname escaping: '=' and ',' would otherwise end the attribute.
        _userName = userName.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);
    }

    /// <summary>True once the server's signature was verified.</summary>
    public bool IsServerVerified => _step == 3;

    /// <summary>client-first-message, the data of SASLInitialResponse.</summary>
    public ReadOnlyMemory<byte> CreateClientFirstMessage()
    {
        ExpectStep(0, "client-first-message");
        _clientFirstBare = Encoding.UTF8.GetBytes($"n={_userName},r={_clientNonce}");
        _step = 1;
        return (byte[])[.. "n,,"u8, .. _clientFirstBare];
    }

    /// <summary>Takes the AuthenticationSASLContinue data (server-first-message) and returns client-final-message for SASLResponse.</summary>
    /// <exception cref="PostgresProtocolException">server-first-message is malformed or its nonce is not ours.</exception>
    public ReadOnlyMemory<byte> ProcessServerFirstMessage(ReadOnlySpan<byte> serverFirst)
    {
        ExpectStep(1, "server-first-message");
        _step = -1;
        var reader = new ScramAttributeReader(serverFirst);
        if (reader.PeekName() == (byte)'m')
        {
            throw Malformed("the server requires an unsupported SCRAM extension");
        }

        if (!reader.TryRead((byte)'r', out ReadOnlySpan<byte> nonce)
            || !reader.TryRead((byte)'s', out ReadOnlySpan<byte> saltText)
            || !reader.TryRead((byte)'i', out ReadOnlySpan<byte> iterationText)
            || !reader.AtEnd)
        {
            throw Malformed("server-first-message is not r=...,s=...,i=...");
        }

        byte[] clientNonce = Encoding.ASCII.GetBytes(_clientNonce);
        if (nonce.Length <= clientNonce.Length || !nonce.StartsWith(clientNonce) || !ScramSha256.IsPrintable(nonce))
        {
            throw Malformed("the server's nonce does not extend the client's nonce");
        }

        var salt = new byte[saltText.Length];
        if (!ScramSha256.TryDecodeBase64(saltText, salt, out int saltLength) || saltLength == 0)
        {
            throw Malformed("invalid salt in server-first-message");
        }

        if (!int.TryParse(Encoding.ASCII.GetString(iterationText), NumberStyles.None, CultureInfo.InvariantCulture, out int iterations) || iterations < 1)
        {
            throw Malformed("invalid iteration count in server-first-message");
        }

        byte[] password = SaslPrep.Prepare(_password);
        byte[] salted = ScramSha256.SaltedPassword(password, salt.AsSpan(0, saltLength), iterations);
        byte[] clientKey = ScramSha256.ClientKey(salted);
        byte[] storedKey = ScramSha256.StoredKey(clientKey);
        byte[] serverKey = ScramSha256.ServerKey(salted);

        byte[] finalWithoutProof = [.. "c=biws,r="u8, .. nonce];
        byte[] authMessage = [.. _clientFirstBare, (byte)',', .. serverFirst, (byte)',', .. finalWithoutProof];
        byte[] clientSignature = ScramSha256.Hmac(storedKey, authMessage);
        var proof = new byte[ScramSha256.KeyLength];
        ScramSha256.Xor(clientKey, clientSignature, proof);
        _expectedServerSignature = ScramSha256.Hmac(serverKey, authMessage);
        CryptographicOperations.ZeroMemory(password);
        CryptographicOperations.ZeroMemory(salted);
        CryptographicOperations.ZeroMemory(clientKey);

        _step = 2;
        return (byte[])[.. finalWithoutProof, .. ",p="u8, .. Encoding.ASCII.GetBytes(Convert.ToBase64String(proof))];
    }

    /// <summary>Checks the AuthenticationSASLFinal data (server-final-message): the server must prove it knows the password too.</summary>
    /// <exception cref="PostgresProtocolException">The server reported an error, or its signature is wrong or malformed.</exception>
    public void VerifyServerFinalMessage(ReadOnlySpan<byte> serverFinal)
    {
        ExpectStep(2, "server-final-message");
        _step = -1;
        var reader = new ScramAttributeReader(serverFinal);
        if (!reader.TryReadAny(out byte name, out ReadOnlySpan<byte> value))
        {
            throw Malformed("server-final-message is neither v=... nor e=...");
        }

        if (name == (byte)'e')
        {
            throw new PostgresProtocolException(
                SqlState.InvalidAuthorizationSpecification, $"the server refused the SCRAM exchange: {Encoding.ASCII.GetString(value)}", isFatal: true);
        }

        Span<byte> signature = stackalloc byte[ScramSha256.KeyLength];
        if (name != (byte)'v' || !ScramSha256.TryDecodeBase64(value, signature, out int length) || length != ScramSha256.KeyLength)
        {
            throw Malformed("invalid server signature in server-final-message");
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, _expectedServerSignature))
        {
            throw new PostgresProtocolException(
                SqlState.InvalidAuthorizationSpecification, "incorrect server signature: the server does not know this password", isFatal: true);
        }

        _step = 3;
    }

    private static PostgresProtocolException Malformed(string detail) =>
        new(SqlState.ProtocolViolation, "malformed SCRAM message from the server: " + detail, isFatal: true);

    private void ExpectStep(int step, string what)
    {
        if (_step != step)
        {
            throw new InvalidOperationException($"{what} is out of order in this SCRAM exchange (or the exchange already failed)");
        }
    }
}
