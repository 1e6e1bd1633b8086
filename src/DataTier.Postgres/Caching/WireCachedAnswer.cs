using System.Buffers.Binary;

namespace DataTier.Postgres.Caching;

/// <summary>
/// A cached wire answer as protocol messages ready to send: the RowDescription a Describe of the portal returns (when
/// the read that filled it asked for one), then the DataRows and CommandComplete of the Execute, or, for the simple
/// protocol, everything a Query answers before ReadyForQuery. Stored as one array: a 4-byte length, then both parts.
/// </summary>
internal readonly struct WireCachedAnswer
{
    private readonly byte[] _bytes;
    private readonly int _descriptionLength;

    private WireCachedAnswer(byte[] bytes, int descriptionLength)
    {
        _bytes = bytes;
        _descriptionLength = descriptionLength;
    }

    /// <summary>The RowDescription message, empty when the filling read did not describe its portal.</summary>
    public ReadOnlySpan<byte> RowDescription => _bytes.AsSpan(4, _descriptionLength);

    /// <summary>The Execute's (or Query's) messages.</summary>
    public ReadOnlySpan<byte> Body => _bytes.AsSpan(4 + _descriptionLength);

    public bool HasRowDescription => _descriptionLength > 0;

    public static byte[] Encode(ReadOnlySpan<byte> rowDescription, ReadOnlySpan<byte> body)
    {
        var bytes = new byte[4 + rowDescription.Length + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, rowDescription.Length);
        rowDescription.CopyTo(bytes.AsSpan(4));
        body.CopyTo(bytes.AsSpan(4 + rowDescription.Length));
        return bytes;
    }

    /// <summary>False for bytes that are not an answer of this format (an entry of another version, say).</summary>
    public static bool TryDecode(byte[] bytes, out WireCachedAnswer answer)
    {
        if (bytes.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(bytes) is int length && length >= 0 && length <= bytes.Length - 4)
        {
            answer = new WireCachedAnswer(bytes, length);
            return true;
        }

        answer = default;
        return false;
    }
}
