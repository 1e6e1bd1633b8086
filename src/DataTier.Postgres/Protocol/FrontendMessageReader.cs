using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace DataTier.Postgres.Protocol;

/// <summary>
/// Frames the messages a client sends: the untyped startup packets, then typed messages. Each call returns one
/// complete message or false for "need more data", and never reads past the buffer it is given.
/// </summary>
/// <remarks>
/// Stateless and thread-safe; the host knows which phase a connection is in and calls the matching method. A length
/// over the limit is refused as soon as the 5-byte header has arrived, so a hostile length never makes the host buffer
/// (or wait for) the bytes it announces.
/// </remarks>
public sealed class FrontendMessageReader
{
    /// <summary>The default <see cref="MaxMessageLength"/>: 1 MiB, room for large statements and Bind parameters.</summary>
    public const int DefaultMaxMessageLength = 1024 * 1024;

    /// <summary>PostgreSQL's MAX_STARTUP_PACKET_LENGTH: a startup packet (length included) may not exceed it.</summary>
    public const int MaxStartupPacketLength = 10_000;

    // PostgreSQL's PQ_SMALL_MESSAGE_LIMIT: messages that carry at most a name or two never need more, so a larger
    // length is garbage and is refused before it is buffered.
    internal const int SmallMessageLimit = 10_000;

    // PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH for password and SASL messages.
    internal const int AuthenticationMessageLimit = 65_535;

    private const int HeaderLength = 5;

    /// <summary>A reader with the default limits.</summary>
    public FrontendMessageReader()
        : this(DefaultMaxMessageLength)
    {
    }

    /// <summary>A reader that refuses Query, Parse, Bind, CopyData and FunctionCall messages longer than <paramref name="maxMessageLength"/>.</summary>
    public FrontendMessageReader(int maxMessageLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageLength, 4);
        MaxMessageLength = maxMessageLength;
    }

    /// <summary>The largest length field accepted for a message (the length counts itself, not the type byte).</summary>
    public int MaxMessageLength { get; }

    /// <summary>
    /// Reads one startup packet (StartupMessage, SSLRequest, GSSENCRequest or CancelRequest). On success
    /// <paramref name="buffer"/> is sliced past it; on false it is unchanged and more data is needed.
    /// </summary>
    /// <exception cref="PostgresProtocolException">The packet is malformed (always fatal).</exception>
    public bool TryReadStartupPacket(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out StartupPacket? packet)
    {
        packet = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadBigEndian(out int length))
        {
            return false;
        }

        if (length < 8)
        {
            throw PostgresProtocolException.FatalViolation($"invalid length of startup packet: {length}");
        }

        if (length > MaxStartupPacketLength)
        {
            throw new PostgresProtocolException(
                SqlState.ProgramLimitExceeded,
                $"startup packet of {length} bytes is over the limit of {MaxStartupPacketLength} bytes",
                isFatal: true);
        }

        if (buffer.Length < length)
        {
            return false;
        }

        ReadOnlySequence<byte> body = buffer.Slice(4, length - 4);
        packet = ParseStartupBody(body);
        buffer = buffer.Slice(length);
        return true;
    }

    /// <summary>
    /// Reads one typed message. On success <paramref name="buffer"/> is sliced past it; on false it is unchanged and
    /// more data is needed. The message's payload is a slice of <paramref name="buffer"/>, not a copy.
    /// </summary>
    /// <exception cref="PostgresProtocolException">Unknown type, bad or too long length (always fatal).</exception>
    public bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out FrontendMessage message)
    {
        message = default;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryRead(out byte typeByte))
        {
            return false;
        }

        var type = (FrontendMessageType)typeByte;
        int limit = LimitFor(type, typeByte);
        if (!reader.TryReadBigEndian(out int length))
        {
            return false;
        }

        if (length < 4)
        {
            throw PostgresProtocolException.FatalViolation($"invalid message length {length} for message type {TypeName(typeByte)}");
        }

        if (length > limit)
        {
            throw new PostgresProtocolException(
                SqlState.ProgramLimitExceeded,
                $"message of type {TypeName(typeByte)} is {length} bytes, over the limit of {limit} bytes"
                + (limit == MaxMessageLength ? " (raise the front end's maximum message length)" : string.Empty),
                isFatal: true);
        }

        if (IsAlwaysEmpty(type) && length != 4)
        {
            throw PostgresProtocolException.FatalViolation($"invalid {type} message format: length {length}, expected 4");
        }

        if (buffer.Length - 1 < length)
        {
            return false;
        }

        message = new FrontendMessage(type, buffer.Slice(HeaderLength, length - 4));
        buffer = buffer.Slice(1 + length);
        return true;
    }

    private int LimitFor(FrontendMessageType type, byte typeByte) => type switch
    {
        FrontendMessageType.Query or FrontendMessageType.Parse or FrontendMessageType.Bind
            or FrontendMessageType.CopyData or FrontendMessageType.FunctionCall => MaxMessageLength,
        FrontendMessageType.Password => Math.Min(MaxMessageLength, AuthenticationMessageLimit),
        FrontendMessageType.Describe or FrontendMessageType.Execute or FrontendMessageType.Close
            or FrontendMessageType.Sync or FrontendMessageType.Flush or FrontendMessageType.Terminate
            or FrontendMessageType.CopyDone or FrontendMessageType.CopyFail => Math.Min(MaxMessageLength, SmallMessageLimit),
        _ => throw PostgresProtocolException.FatalViolation($"invalid frontend message type {typeByte} ({TypeName(typeByte)})"),
    };

    /// <summary>
    /// The type byte for an error message: <c>'Q'</c> when printable ASCII, else its number. The byte comes from the
    /// client: as a char it may be NUL, which no ErrorResponse field can carry, or a control character.
    /// </summary>
    private static string TypeName(byte typeByte) =>
        typeByte is > 0x20 and < 0x7f ? $"'{(char)typeByte}'" : $"0x{typeByte:x2}";

    private static bool IsAlwaysEmpty(FrontendMessageType type) =>
        type is FrontendMessageType.Sync or FrontendMessageType.Flush or FrontendMessageType.Terminate or FrontendMessageType.CopyDone;

    private static StartupPacket ParseStartupBody(ReadOnlySequence<byte> body)
    {
        // At most 10,000 bytes: a stack copy avoids both a rented array and multi-segment parsing.
        Span<byte> copy = stackalloc byte[MaxStartupPacketLength];
        Span<byte> bytes = copy[..(int)body.Length];
        body.CopyTo(bytes);
        var reader = new PayloadReader(bytes);
        int code = reader.ReadInt32();
        int length = bytes.Length + 4;
        switch (code)
        {
            case StartupPacket.SslRequestCode:
            case StartupPacket.GssEncryptionRequestCode:
                if (length != 8)
                {
                    throw PostgresProtocolException.FatalViolation($"invalid length of startup packet: {length} for an encryption request, expected 8");
                }

                return code == StartupPacket.SslRequestCode ? SslRequest.Instance : GssEncryptionRequest.Instance;
            case StartupPacket.CancelRequestCode:
                if (length != 16)
                {
                    throw PostgresProtocolException.FatalViolation($"invalid length of cancel request packet: {length}, expected 16");
                }

                return new CancelRequest(reader.ReadInt32(), reader.ReadInt32());
        }

        var version = ProtocolVersion.FromCode(code);
        if (version.Major != 3)
        {
            throw new PostgresProtocolException(
                SqlState.FeatureNotSupported, $"unsupported frontend protocol {version}: server supports 3.0", isFatal: true);
        }

        try
        {
            return new StartupMessage(version, ReadStartupParameters(ref reader));
        }
        catch (PostgresProtocolException e) when (!e.IsFatal)
        {
            // Before the session exists every violation ends the connection.
            throw new PostgresProtocolException(e.SqlState, e.Message, isFatal: true);
        }
    }

    private static List<KeyValuePair<string, string>> ReadStartupParameters(ref PayloadReader reader)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        while (true)
        {
            if (reader.Remaining == 0)
            {
                throw PostgresProtocolException.FatalViolation("invalid startup packet layout: expected terminator as last byte");
            }

            ReadOnlySpan<byte> name = reader.ReadCStringBytes();
            if (name.IsEmpty)
            {
                if (reader.Remaining != 0)
                {
                    throw PostgresProtocolException.FatalViolation("invalid startup packet layout: expected terminator as last byte");
                }

                return parameters;
            }

            string key = PayloadReader.DecodeUtf8(name);
            string value = reader.ReadCString();
            parameters.Add(new KeyValuePair<string, string>(key, value));
        }
    }
}
