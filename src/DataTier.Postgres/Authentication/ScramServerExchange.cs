using System.Security.Cryptography;
using System.Text;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Authentication;

/// <summary>
/// The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677) as PostgreSQL's <c>auth-scram.c</c> runs it:
/// client-first-message in, server-first-message out; client-final-message in, server-final-message out.
/// </summary>
/// <remarks>
/// One instance per authentication attempt, not thread-safe. Channel binding (SCRAM-SHA-256-PLUS) is not offered, so
/// a client asking for it ('p=') is refused, while 'n' and 'y' are accepted. The user name inside the SCRAM message is
/// ignored, as PostgreSQL ignores it: the startup packet's user is the one authenticated. No step throws on client
/// input; every malformed message is a <see cref="ScramStepOutcome.Failed"/> step, and after a failure every further
/// step fails too.
/// </remarks>
public sealed class ScramServerExchange
{
    /// <summary>The mechanism name to offer in AuthenticationSASL and expect in SASLInitialResponse.</summary>
    public const string MechanismName = ScramSha256.MechanismName;

    private readonly ScramVerifier _verifier;
    private readonly string? _serverNonceForTests;

    // True for an unknown user: the exchange runs to the end, so that timing and messages do not reveal whether the
    // user exists, and then fails.
    private readonly bool _doomed;

    private State _state = State.AwaitingClientFirst;
    private byte _channelBindingFlag;
    private byte[] _clientFirstBare = [];
    private byte[] _serverFirst = [];
    private byte[] _combinedNonce = [];

    /// <summary>An exchange that checks the client's proof against <paramref name="verifier"/>.</summary>
    public ScramServerExchange(ScramVerifier verifier)
        : this(verifier, serverNonce: null, doomed: false)
    {
    }

    /// <summary>For tests: a fixed server nonce suffix instead of a random one.</summary>
    internal ScramServerExchange(ScramVerifier verifier, string? serverNonce, bool doomed = false)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        _verifier = verifier;
        _serverNonceForTests = serverNonce;
        _doomed = doomed;
    }

    private enum State
    {
        AwaitingClientFirst,
        AwaitingClientFinal,
        Succeeded,
        Failed,
    }

    /// <summary>True once the client's proof was verified.</summary>
    public bool IsAuthenticated => _state == State.Succeeded;

    /// <summary>
    /// An exchange for a user that does not exist, which always fails at the last step with 28P01, like a wrong
    /// password. Its salt is derived from the user name and <paramref name="serverSecret"/>, so repeated attempts see
    /// the same salt and cannot tell the user is unknown (PostgreSQL's <c>scram_mock_salt</c>).
    /// </summary>
    public static ScramServerExchange ForUnknownUser(string userName, ReadOnlySpan<byte> serverSecret, int iterations = ScramVerifier.DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(userName);
        byte[] digest = HMACSHA256.HashData(serverSecret, Encoding.UTF8.GetBytes(userName));
        Span<byte> keys = stackalloc byte[2 * ScramSha256.KeyLength];
        RandomNumberGenerator.Fill(keys);
        ScramVerifier mock = ScramVerifier.FromKeys(
            digest.AsSpan(0, ScramSha256.DefaultSaltLength), iterations, keys[..ScramSha256.KeyLength], keys[ScramSha256.KeyLength..]);
        return new ScramServerExchange(mock, serverNonce: null, doomed: true);
    }

    /// <summary>
    /// Takes the SASLInitialResponse data (client-first-message) and returns server-first-message to send in
    /// AuthenticationSASLContinue, or a failure.
    /// </summary>
    public ScramServerStep ProcessClientFirstMessage(ReadOnlySpan<byte> message)
    {
        if (_state != State.AwaitingClientFirst)
        {
            return Fail(SqlState.ProtocolViolation, "client-first-message received out of order");
        }

        _state = State.Failed;
        if (Validate(message) is { } invalid)
        {
            return Fail(SqlState.ProtocolViolation, invalid);
        }

        byte flag = message[0];
        if (flag == (byte)'p')
        {
            return Fail(SqlState.ProtocolViolation, "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.");
        }

        if (flag is not ((byte)'n' or (byte)'y'))
        {
            return Fail(SqlState.ProtocolViolation, $"Unexpected channel-binding flag \"{Printable(flag)}\".");
        }

        if (message.Length < 3 || message[1] != (byte)',')
        {
            return Fail(SqlState.ProtocolViolation, "Comma expected after the channel-binding flag.");
        }

        if (message[2] == (byte)'a')
        {
            return Fail(SqlState.FeatureNotSupported, "client uses authorization identity, but it is not supported");
        }

        if (message[2] != (byte)',')
        {
            return Fail(SqlState.ProtocolViolation, "Comma expected after the authorization identity.");
        }

        ReadOnlySpan<byte> bare = message[3..];
        var reader = new ScramAttributeReader(bare);
        if (reader.PeekName() == (byte)'m')
        {
            return Fail(SqlState.FeatureNotSupported, "client requires an unsupported SCRAM extension");
        }

        if (!reader.TryRead((byte)'n', out _))
        {
            return Fail(SqlState.ProtocolViolation, "Expected attribute \"n\" (user name) in client-first-message.");
        }

        if (!reader.TryRead((byte)'r', out ReadOnlySpan<byte> clientNonce) || clientNonce.IsEmpty)
        {
            return Fail(SqlState.ProtocolViolation, "Expected attribute \"r\" (nonce) in client-first-message.");
        }

        if (!ScramSha256.IsPrintable(clientNonce))
        {
            return Fail(SqlState.ProtocolViolation, "non-printable characters in SCRAM nonce");
        }

        // Extensions the client may add are ignored, as PostgreSQL ignores them, but they must be well formed.
        while (!reader.AtEnd)
        {
            if (!reader.TryReadAny(out _, out _))
            {
                return Fail(SqlState.ProtocolViolation, "Malformed attribute in client-first-message.");
            }
        }

        string serverNonce = _serverNonceForTests ?? ScramSha256.CreateNonce();
        _channelBindingFlag = flag;
        _clientFirstBare = bare.ToArray();
        _combinedNonce = [.. clientNonce, .. Encoding.ASCII.GetBytes(serverNonce)];
        string serverFirst = string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"r={Encoding.ASCII.GetString(_combinedNonce)},s={Convert.ToBase64String(_verifier.Salt.Span)},i={_verifier.Iterations}");
        _serverFirst = Encoding.ASCII.GetBytes(serverFirst);
        _state = State.AwaitingClientFinal;
        return ScramServerStep.Continue(_serverFirst);
    }

    /// <summary>
    /// Takes the SASLResponse data (client-final-message) and returns server-final-message to send in
    /// AuthenticationSASLFinal (followed by AuthenticationOk), or a failure: 28P01 for a wrong proof.
    /// </summary>
    public ScramServerStep ProcessClientFinalMessage(ReadOnlySpan<byte> message)
    {
        if (_state != State.AwaitingClientFinal)
        {
            return Fail(SqlState.ProtocolViolation, "client-final-message received out of order");
        }

        _state = State.Failed;
        if (Validate(message) is { } invalid)
        {
            return Fail(SqlState.ProtocolViolation, invalid);
        }

        var reader = new ScramAttributeReader(message);
        if (!reader.TryRead((byte)'c', out ReadOnlySpan<byte> channelBinding))
        {
            return Fail(SqlState.ProtocolViolation, "Expected attribute \"c\" (channel binding) in client-final-message.");
        }

        ReadOnlySpan<byte> expected = _channelBindingFlag == (byte)'n' ? "biws"u8 : "eSws"u8;
        if (!channelBinding.SequenceEqual(expected))
        {
            return Fail(SqlState.ProtocolViolation, "SCRAM channel binding check failed");
        }

        if (!reader.TryRead((byte)'r', out ReadOnlySpan<byte> nonce))
        {
            return Fail(SqlState.ProtocolViolation, "Expected attribute \"r\" (nonce) in client-final-message.");
        }

        if (!nonce.SequenceEqual(_combinedNonce))
        {
            return Fail(SqlState.ProtocolViolation, "invalid SCRAM response: nonce does not match");
        }

        // Extensions may come between the nonce and the proof; the proof must be last.
        int proofStart;
        ReadOnlySpan<byte> proofText;
        while (true)
        {
            proofStart = reader.Position;
            if (!reader.TryReadAny(out byte name, out ReadOnlySpan<byte> value))
            {
                return Fail(SqlState.ProtocolViolation, "Expected attribute \"p\" (proof) in client-final-message.");
            }

            if (name == (byte)'p')
            {
                proofText = value;
                break;
            }
        }

        if (!reader.AtEnd)
        {
            return Fail(SqlState.ProtocolViolation, "Garbage found at the end of client-final-message.");
        }

        Span<byte> proof = stackalloc byte[ScramSha256.KeyLength];
        if (!ScramSha256.TryDecodeBase64(proofText, proof, out int proofLength) || proofLength != ScramSha256.KeyLength)
        {
            return Fail(SqlState.ProtocolViolation, "Malformed proof in client-final-message.");
        }

        // AuthMessage = client-first-message-bare "," server-first-message "," client-final-message-without-proof.
        ReadOnlySpan<byte> finalWithoutProof = message[..(proofStart - 1)];
        byte[] authMessage = [.. _clientFirstBare, (byte)',', .. _serverFirst, (byte)',', .. finalWithoutProof];

        Span<byte> clientSignature = stackalloc byte[ScramSha256.KeyLength];
        HMACSHA256.HashData(_verifier.StoredKey.Span, authMessage, clientSignature);
        Span<byte> clientKey = stackalloc byte[ScramSha256.KeyLength];
        ScramSha256.Xor(proof, clientSignature, clientKey);
        Span<byte> storedKey = stackalloc byte[ScramSha256.KeyLength];
        SHA256.HashData(clientKey, storedKey);
        bool proofMatches = CryptographicOperations.FixedTimeEquals(storedKey, _verifier.StoredKey.Span);
        CryptographicOperations.ZeroMemory(clientKey);
        if (!proofMatches || _doomed)
        {
            return Fail(SqlState.InvalidPassword, _doomed ? "no such user" : "the client's SCRAM proof does not match the password");
        }

        byte[] serverSignature = ScramSha256.Hmac(_verifier.ServerKey.Span, authMessage);
        _state = State.Succeeded;
        return ScramServerStep.Succeeded(Encoding.ASCII.GetBytes("v=" + Convert.ToBase64String(serverSignature)));
    }

    /// <summary>PostgreSQL refuses empty messages and messages with a NUL inside (it handles them as C strings).</summary>
    private static string? Validate(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty)
        {
            return "The message is empty.";
        }

        return message.Contains((byte)0) ? "Message length does not match input length." : null;
    }

    private static string Printable(byte value) => value is >= 0x20 and < 0x7F ? ((char)value).ToString() : $"\\x{value:x2}";

    private ScramServerStep Fail(string sqlState, string reason)
    {
        _state = State.Failed;
        return ScramServerStep.Fail(sqlState, reason);
    }
}
