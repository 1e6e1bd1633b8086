using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace DataTier.Postgres.Protocol;

/// <summary>
/// Writes the fields of messages into an <see cref="IBufferWriter{T}"/> in big-endian order. Callers compute each
/// message's length first (every field's size is known), so nothing is back-patched and a large value is copied
/// span by span rather than needing one contiguous buffer.
/// </summary>
internal ref struct MessageBuilder
{
    // Enough for any header plus a few fields, so small messages take one GetSpan call.
    private const int MinimumSpan = 256;

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _buffered;

    /// <summary>One message from its type byte and an already-encoded payload (the length is added).</summary>
    public static void WriteWhole(IBufferWriter<byte> output, byte type, ReadOnlySpan<byte> payload)
    {
        var builder = new MessageBuilder(output);
        builder.WriteHeader(type, payload.Length);
        builder.WriteBytes(payload);
        builder.Flush();
    }

    /// <summary>One message from its type byte and a payload sequence (the length is added).</summary>
    public static void WriteWhole(IBufferWriter<byte> output, byte type, in ReadOnlySequence<byte> payload)
    {
        var builder = new MessageBuilder(output);
        builder.WriteHeader(type, checked((int)payload.Length));
        builder.WriteBytes(payload);
        builder.Flush();
    }

    public MessageBuilder(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _span = default;
        _buffered = 0;
    }

    /// <summary>The type byte and the length, which counts itself and the payload but not the type byte.</summary>
    public void WriteHeader(byte type, int payloadLength)
    {
        Ensure(5);
        _span[_buffered] = type;
        BinaryPrimitives.WriteInt32BigEndian(_span[(_buffered + 1)..], checked(payloadLength + 4));
        _buffered += 5;
    }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _span[_buffered++] = value;
    }

    public void WriteInt16(short value)
    {
        Ensure(2);
        BinaryPrimitives.WriteInt16BigEndian(_span[_buffered..], value);
        _buffered += 2;
    }

    public void WriteInt32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32BigEndian(_span[_buffered..], value);
        _buffered += 4;
    }

    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_span[_buffered..], value);
        _buffered += 4;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_span.Length == _buffered)
            {
                // No size hint: take whatever the output has (a pipe's next pooled segment) rather than making it
                // allocate one buffer as large as the value.
                Flush();
                _span = _output.GetSpan();
            }

            int count = Math.Min(bytes.Length, _span.Length - _buffered);
            bytes[..count].CopyTo(_span[_buffered..]);
            _buffered += count;
            bytes = bytes[count..];
        }
    }

    public void WriteBytes(in ReadOnlySequence<byte> bytes)
    {
        foreach (ReadOnlyMemory<byte> segment in bytes)
        {
            WriteBytes(segment.Span);
        }
    }

    /// <summary>A string as UTF-8 plus its NUL terminator; <paramref name="byteCount"/> from <see cref="CStringLength"/>.</summary>
    public void WriteCString(string value, int byteCount)
    {
        int length = byteCount - 1;
        if (length <= 4096)
        {
            Ensure(byteCount);
            Encoding.UTF8.GetBytes(value, _span[_buffered..]);
            _buffered += length;
            _span[_buffered++] = 0;
            return;
        }

        // Long strings (error details, query texts) go through a rental rather than one huge contiguous span.
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int written = Encoding.UTF8.GetBytes(value, rented);
            WriteBytes(rented.AsSpan(0, written));
            WriteByte(0);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Hands the written bytes to the output; call once after the last field.</summary>
    public void Flush()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
        }

        _buffered = 0;
        _span = default;
    }

    /// <summary>
    /// The UTF-8 length of <paramref name="value"/> plus the terminator. A NUL inside would end the string early on
    /// the wire and desynchronise the peer, so it is refused here.
    /// </summary>
    public static int CStringLength(string value, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(value, parameterName);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a protocol string cannot contain a NUL character", parameterName);
        }

        return Encoding.UTF8.GetByteCount(value) + 1;
    }

    private void Ensure(int count)
    {
        if (_span.Length - _buffered < count)
        {
            Flush();
            _span = _output.GetSpan(Math.Max(count, MinimumSpan));
        }
    }
}
