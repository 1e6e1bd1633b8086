using System.Buffers;

namespace DataTier.Postgres.Protocol;

/// <summary>Frames the messages a PostgreSQL server sends, for DataTier acting as the backends' client.</summary>
/// <remarks>
/// Stateless and thread-safe. Any type byte is accepted so that messages of a newer server can still be relayed;
/// only the length is checked, because a bad length means the stream can no longer be followed.
/// </remarks>
public sealed class BackendMessageReader
{
    /// <summary>
    /// The default maximum: no limit below the Int32 length itself. A backend is trusted, and one DataRow may carry
    /// a value of up to PostgreSQL's 1 GB limit.
    /// </summary>
    public const int DefaultMaxMessageLength = int.MaxValue;

    /// <summary>A reader with no limit below the protocol's own.</summary>
    public BackendMessageReader()
        : this(DefaultMaxMessageLength)
    {
    }

    /// <summary>A reader that refuses messages whose length field is over <paramref name="maxMessageLength"/>.</summary>
    public BackendMessageReader(int maxMessageLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageLength, 4);
        MaxMessageLength = maxMessageLength;
    }

    /// <summary>The largest length field accepted (the length counts itself, not the type byte).</summary>
    public int MaxMessageLength { get; }

    /// <summary>
    /// Reads one message. On success <paramref name="buffer"/> is sliced past it; on false it is unchanged and more
    /// data is needed. The message is a slice of <paramref name="buffer"/>, not a copy.
    /// </summary>
    /// <exception cref="PostgresProtocolException">The length is below 4 or over the limit (fatal).</exception>
    public bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out BackendMessage message)
    {
        message = default;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryRead(out byte type) || !reader.TryReadBigEndian(out int length))
        {
            return false;
        }

        if (length < 4)
        {
            throw PostgresProtocolException.FatalViolation($"invalid message length {length} for backend message type '{(char)type}'");
        }

        if (length > MaxMessageLength)
        {
            throw new PostgresProtocolException(
                SqlState.ProgramLimitExceeded,
                $"backend message of type '{(char)type}' is {length} bytes, over the limit of {MaxMessageLength} bytes",
                isFatal: true);
        }

        if (buffer.Length - 1 < length)
        {
            return false;
        }

        // A long, not an int: 1 + int.MaxValue must not overflow.
        long total = 1L + length;
        message = new BackendMessage((BackendMessageType)type, buffer.Slice(0, total));
        buffer = buffer.Slice(total);
        return true;
    }
}
