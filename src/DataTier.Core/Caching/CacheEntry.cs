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
    private const byte ScatterFormatVersion = 2;

    /// <summary>
    /// For a cached scatter read, each shard's part and the LSN it was read at (shards have LSNs of their own, so a
    /// session read needs them one by one); null for a read of one shard.
    /// </summary>
    public IReadOnlyList<CachedShardPart>? Parts { get; init; }

    /// <summary>When the entry stops being served.</summary>
    public DateTimeOffset ExpiresAt => CreatedAt + Ttl;

    /// <summary>Bytes held (what L1's budget counts).</summary>
    public long Size => RowsJson.Length + 96 + (ShardId.Length * 2) + (Parts?.Sum(p => 48 + (p.ShardId.Length * 2)) ?? 0);

    /// <summary>Whether the rows include everything committed up to <paramref name="required"/> on each shard.</summary>
    public bool HasReached(IReadOnlyDictionary<string, ulong> required)
    {
        if (Parts is null)
        {
            return !required.TryGetValue(ShardId, out ulong lsn) || Lsn >= lsn;
        }

        foreach (var part in Parts)
        {
            if (required.TryGetValue(part.ShardId, out ulong lsn) && part.Lsn < lsn)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Encodes the entry for Redis.</summary>
    public byte[] Encode()
    {
        var shard = Encoding.UTF8.GetBytes(ShardId);
        var parts = EncodeParts();
        var buffer = new byte[1 + 4 + 1 + 8 + 8 + 8 + 8 + 4 + 1 + shard.Length + parts.Length + RowsJson.Length];
        var span = buffer.AsSpan();
        span[0] = Parts is null ? FormatVersion : ScatterFormatVersion;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], RowCount);
        span[5] = Truncated ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt64LittleEndian(span[6..], Lsn);
        BinaryPrimitives.WriteInt64LittleEndian(span[14..], CreatedAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(span[22..], (long)Ttl.TotalMilliseconds);
        BinaryPrimitives.WriteDoubleLittleEndian(span[30..], ExecutionMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[38..], Complexity);
        span[42] = checked((byte)shard.Length);
        shard.CopyTo(span[43..]);
        parts.CopyTo(span[(43 + shard.Length)..]);
        RowsJson.CopyTo(span[(43 + shard.Length + parts.Length)..]);
        return buffer;
    }

    // Parts: a count, then per part the shard id (length-prefixed), the LSN and the row count.
    private byte[] EncodeParts()
    {
        if (Parts is null)
        {
            return [];
        }

        var ids = Parts.Select(p => Encoding.UTF8.GetBytes(p.ShardId)).ToArray();
        var buffer = new byte[2 + ids.Sum(id => 1 + id.Length + 8 + 4)];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)Parts.Count));
        int at = 2;
        for (int i = 0; i < ids.Length; i++)
        {
            span[at++] = checked((byte)ids[i].Length);
            ids[i].CopyTo(span[at..]);
            at += ids[i].Length;
            BinaryPrimitives.WriteUInt64LittleEndian(span[at..], Parts[i].Lsn);
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 8)..], Parts[i].RowCount);
            at += 12;
        }

        return buffer;
    }

    private static CachedShardPart[]? DecodeParts(ReadOnlySpan<byte> span, out int length)
    {
        length = 0;
        if (span.Length < 2)
        {
            return null;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(span);
        var parts = new CachedShardPart[count];
        int at = 2;
        for (int i = 0; i < count; i++)
        {
            if (span.Length < at + 1 || span.Length < at + 1 + span[at] + 12)
            {
                return null;
            }

            int idLength = span[at++];
            string id = Encoding.UTF8.GetString(span.Slice(at, idLength));
            at += idLength;
            parts[i] = new CachedShardPart(id, BinaryPrimitives.ReadUInt64LittleEndian(span[at..]), BinaryPrimitives.ReadInt32LittleEndian(span[(at + 8)..]));
            at += 12;
        }

        length = at;
        return parts;
    }

    /// <summary>Decodes an entry from Redis; null when the bytes are not an entry of this format.</summary>
    public static CacheEntry? Decode(ReadOnlySpan<byte> span)
    {
        if (span.Length < 43 || (span[0] != FormatVersion && span[0] != ScatterFormatVersion) || span.Length < 43 + span[42])
        {
            return null;
        }

        int shardLength = span[42];
        CachedShardPart[]? parts = null;
        int partsLength = 0;
        if (span[0] == ScatterFormatVersion && (parts = DecodeParts(span[(43 + shardLength)..], out partsLength)) is null)
        {
            return null;
        }

        return new CacheEntry(
            span[(43 + shardLength + partsLength)..].ToArray(),
            BinaryPrimitives.ReadInt32LittleEndian(span[1..]),
            span[5] == 1,
            Encoding.UTF8.GetString(span.Slice(43, shardLength)),
            BinaryPrimitives.ReadUInt64LittleEndian(span[6..]),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(span[14..])),
            TimeSpan.FromMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(span[22..])),
            BinaryPrimitives.ReadDoubleLittleEndian(span[30..]),
            BinaryPrimitives.ReadInt32LittleEndian(span[38..]))
        {
            Parts = parts,
        };
    }
}
