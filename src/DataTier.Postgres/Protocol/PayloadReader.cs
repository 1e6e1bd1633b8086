using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace DataTier.Postgres.Protocol;

/// <summary>
/// Reads the fields of one message payload, checking every length against what is left, so that malformed input
/// becomes a <see cref="PostgresProtocolException"/> with the message PostgreSQL's <c>pqformat.c</c> would give.
/// </summary>
internal ref struct PayloadReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private int _position;

    public PayloadReader(ReadOnlySpan<byte> payload)
    {
        _payload = payload;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _payload.Length - _position;

    public byte ReadByte()
    {
        Require(1);
        return _payload[_position++];
    }

    public short ReadInt16()
    {
        Require(2);
        short value = BinaryPrimitives.ReadInt16BigEndian(_payload[_position..]);
        _position += 2;
        return value;
    }

    /// <summary>PostgreSQL reads Int16 counts as unsigned (<c>pq_getmsgint(msg, 2)</c>), so 65535 parameters are valid.</summary>
    public ushort ReadUInt16()
    {
        Require(2);
        ushort value = BinaryPrimitives.ReadUInt16BigEndian(_payload[_position..]);
        _position += 2;
        return value;
    }

    public int ReadInt32()
    {
        Require(4);
        int value = BinaryPrimitives.ReadInt32BigEndian(_payload[_position..]);
        _position += 4;
        return value;
    }

    public uint ReadUInt32()
    {
        Require(4);
        uint value = BinaryPrimitives.ReadUInt32BigEndian(_payload[_position..]);
        _position += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int length)
    {
        if (length < 0 || length > Remaining)
        {
            throw PostgresProtocolException.Violation("insufficient data left in message");
        }

        ReadOnlySpan<byte> bytes = _payload.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public ReadOnlySpan<byte> ReadRemaining()
    {
        ReadOnlySpan<byte> rest = _payload[_position..];
        _position = _payload.Length;
        return rest;
    }

    /// <summary>The bytes of a NUL-terminated string, without the terminator.</summary>
    public ReadOnlySpan<byte> ReadCStringBytes()
    {
        int end = _payload[_position..].IndexOf((byte)0);
        if (end < 0)
        {
            throw PostgresProtocolException.Violation("invalid string in message: no NUL terminator");
        }

        ReadOnlySpan<byte> bytes = _payload.Slice(_position, end);
        _position += end + 1;
        return bytes;
    }

    public string ReadCString() => DecodeUtf8(ReadCStringBytes());

    /// <summary>Fails unless the whole payload was read, as <c>pq_getmsgend</c> does.</summary>
    public readonly void EnsureEnd(string messageName)
    {
        if (_position != _payload.Length)
        {
            throw PostgresProtocolException.Violation($"invalid {messageName} message format: {Remaining} unexpected trailing bytes");
        }
    }

    /// <summary>
    /// Strings are UTF-8 (DataTier accepts only client_encoding UTF8); PostgreSQL reports invalid sequences as 22021.
    /// </summary>
    public static string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        if (!Utf8.IsValid(bytes))
        {
            throw new PostgresProtocolException(SqlState.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"", isFatal: false);
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private readonly void Require(int count)
    {
        if (Remaining < count)
        {
            throw PostgresProtocolException.Violation("insufficient data left in message");
        }
    }
}
