using System.Buffers;

namespace DataTier.Postgres.Protocol;

/// <summary>One complete typed message from a client: its type byte and its payload (the bytes after the length).</summary>
/// <remarks>
/// <see cref="Payload"/> is a slice of the buffer given to <see cref="FrontendMessageReader.TryReadMessage"/>, not a
/// copy: it is valid only until the pipe is advanced past it. Decode it (the <see cref="FrontendMessageDecoder"/>
/// results own their data) or relay it before calling <c>PipeReader.AdvanceTo</c>.
/// </remarks>
public readonly struct FrontendMessage
{
    /// <summary>Creates a message view over a payload.</summary>
    public FrontendMessage(FrontendMessageType type, ReadOnlySequence<byte> payload)
    {
        Type = type;
        Payload = payload;
    }

    /// <summary>The message type byte.</summary>
    public FrontendMessageType Type { get; }

    /// <summary>The payload, without the type byte and the length; valid until the pipe is advanced past it.</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>The length field as sent: the payload plus the 4 bytes of the length itself.</summary>
    public int Length => (int)Payload.Length + 4;
}
