using System.Buffers.Binary;
using System.Text;

namespace DataTier.Core.Caching;

/// <summary>
/// A cached read: the rows already encoded as JSON (a hit is copied, never re-serialised) and what is needed to
/// decide whether it may serve a request: the LSN its rows were read at, when it was made and for how long.
/// </summary>
public sealed record CacheEntry(
    byte[] RowsJson,
    int RowCount,
    bool Truncated,
    string ShardId,
    ulong Lsn,
    DateTimeOffset CreatedAt,
    TimeSpan Ttl,
    double ExecutionMs,
    int Complexity)
{
    private const byte FormatVersion = 1;

    /// <summary>When the entry stops being served.</summary>
    public DateTimeOffset ExpiresAt => CreatedAt + Ttl;

    /// <summary>Bytes held (what L1's budget counts).</summary>
    public long Size => RowsJson.Length + 96 + (ShardId.Length * 2);

    /// <summary>Encodes the entry for Redis.</summary>
    public byte[] Encode()
    {
        var shard = Encoding.UTF8.GetBytes(ShardId);
        var buffer = new byte[1 + 4 + 1 + 8 + 8 + 8 + 8 + 4 + 1 + shard.Length + RowsJson.Length];
        var span = buffer.AsSpan();
        span[0] = FormatVersion;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], RowCount);
        span[5] = Truncated ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt64LittleEndian(span[6..], Lsn);
        BinaryPrimitives.WriteInt64LittleEndian(span[14..], CreatedAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(span[22..], (long)Ttl.TotalMilliseconds);
        BinaryPrimitives.WriteDoubleLittleEndian(span[30..], ExecutionMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[38..], Complexity);
        span[42] = checked((byte)shard.Length);
        shard.CopyTo(span[43..]);
        RowsJson.CopyTo(span[(43 + shard.Length)..]);
        return buffer;
    }

    /// <summary>Decodes an entry from Redis; null when the bytes are not an entry of this format.</summary>
    public static CacheEntry? Decode(ReadOnlySpan<byte> span)
    {
        if (span.Length < 43 || span[0] != FormatVersion || span.Length < 43 + span[42])
        {
            return null;
        }

        int shardLength = span[42];
        return new CacheEntry(
            span[(43 + shardLength)..].ToArray(),
            BinaryPrimitives.ReadInt32LittleEndian(span[1..]),
            span[5] == 1,
            Encoding.UTF8.GetString(span.Slice(43, shardLength)),
            BinaryPrimitives.ReadUInt64LittleEndian(span[6..]),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(span[14..])),
            TimeSpan.FromMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(span[22..])),
            BinaryPrimitives.ReadDoubleLittleEndian(span[30..]),
            BinaryPrimitives.ReadInt32LittleEndian(span[38..]));
    }
}
