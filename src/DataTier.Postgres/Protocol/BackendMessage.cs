using System.Buffers;

namespace DataTier.Postgres.Protocol;

/// <summary>One complete message from a PostgreSQL server: its type byte and payload.</summary>
/// <remarks>
/// <see cref="Payload"/> and <see cref="Encoded"/> are slices of the buffer given to
/// <see cref="BackendMessageReader.TryReadMessage"/>: valid until the pipe is advanced past them. Relay
/// <see cref="Encoded"/> with <see cref="BackendMessageWriter.WriteEncoded(IBufferWriter{byte}, in ReadOnlySequence{byte})"/>.
/// </remarks>
public readonly struct BackendMessage
{
    /// <summary>Creates a message view; <paramref name="encoded"/> is the whole message, header included.</summary>
    public BackendMessage(BackendMessageType type, ReadOnlySequence<byte> encoded)
    {
        Type = type;
        Encoded = encoded;
    }

    /// <summary>The message type byte (possibly one this enum does not name: newer servers may add types).</summary>
    public BackendMessageType Type { get; }

    /// <summary>The whole message as received: type byte, length and payload.</summary>
    public ReadOnlySequence<byte> Encoded { get; }

    /// <summary>The payload: the bytes after the length.</summary>
    public ReadOnlySequence<byte> Payload => Encoded.Slice(5);

    /// <summary>The length field as sent: the payload plus the 4 bytes of the length itself.</summary>
    public int Length => (int)(Encoded.Length - 1);
}
