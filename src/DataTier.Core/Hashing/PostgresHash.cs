using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace DataTier.Core.Hashing;

/// <summary>
/// Bit-for-bit reimplementations of PostgreSQL's extended (64-bit, seeded) hash functions, so that
/// the database can compute a key's ring position itself (expression indexes, replication row filters).
/// </summary>
/// <remarks>
/// Port of <c>hash_bytes_extended</c> and <c>hash_bytes_uint32_extended</c> (Bob Jenkins' lookup3 as
/// adapted in PostgreSQL's <c>src/common/hashfn.c</c>) for little-endian hosts, which is what every
/// supported PostgreSQL server here runs on. PostgreSQL's big-endian build would give other values.
/// </remarks>
public static class PostgresHash
{
    private const int StackallocThreshold = 256;

    /// <summary>Equivalent of <c>hashtextextended(value, seed)</c> for a deterministic collation.</summary>
    public static long HashText(ReadOnlySpan<char> value, long seed = 0)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= StackallocThreshold
            ? stackalloc byte[StackallocThreshold]
            : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int written = Encoding.UTF8.GetBytes(value, buffer);
            return HashBytes(buffer[..written], seed);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Equivalent of <c>hashint8extended(value, seed)</c>.</summary>
    public static long HashInt64(long value, long seed = 0)
    {
        uint lo = (uint)value;
        uint hi = (uint)(value >> 32);
        lo ^= value >= 0 ? hi : ~hi;
        return HashUInt32(lo, seed);
    }

    /// <summary>Equivalent of <c>hashint4extended(value, seed)</c>.</summary>
    public static long HashInt32(int value, long seed = 0) => HashUInt32((uint)value, seed);

    /// <summary>Equivalent of <c>uuid_hash_extended(value, seed)</c>: the 16 bytes in RFC 4122 (network) order.</summary>
    public static long HashUuid(Guid value, long seed = 0)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes, bigEndian: true, out _);
        return HashBytes(bytes, seed);
    }

    /// <summary>Equivalent of <c>hash_bytes_extended(k, len, seed)</c>.</summary>
    public static long HashBytes(ReadOnlySpan<byte> k, long seed = 0)
    {
        uint len = (uint)k.Length;
        uint a, b, c;
        a = b = c = 0x9e3779b9u + len + 3923095u;

        if (seed != 0)
        {
            // PostgreSQL treats the seed as a 12-byte chunk padded with zeroes.
            a += (uint)((ulong)seed >> 32);
            b += (uint)seed;
            Mix(ref a, ref b, ref c);
        }

        while (k.Length >= 12)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(k);
            b += BinaryPrimitives.ReadUInt32LittleEndian(k[4..]);
            c += BinaryPrimitives.ReadUInt32LittleEndian(k[8..]);
            Mix(ref a, ref b, ref c);
            k = k[12..];
        }

        // The lowest byte of c is reserved for the length, hence the shifted tail bytes.
        switch (k.Length)
        {
            case 11:
                c += (uint)k[10] << 24;
                goto case 10;
            case 10:
                c += (uint)k[9] << 16;
                goto case 9;
            case 9:
                c += (uint)k[8] << 8;
                goto case 8;
            case 8:
                b += BinaryPrimitives.ReadUInt32LittleEndian(k[4..]);
                a += BinaryPrimitives.ReadUInt32LittleEndian(k);
                break;
            case 7:
                b += (uint)k[6] << 16;
                goto case 6;
            case 6:
                b += (uint)k[5] << 8;
                goto case 5;
            case 5:
                b += k[4];
                goto case 4;
            case 4:
                a += BinaryPrimitives.ReadUInt32LittleEndian(k);
                break;
            case 3:
                a += (uint)k[2] << 16;
                goto case 2;
            case 2:
                a += (uint)k[1] << 8;
                goto case 1;
            case 1:
                a += k[0];
                break;
        }

        Final(ref a, ref b, ref c);
        return (long)(((ulong)b << 32) | c);
    }

    private static long HashUInt32(uint k, long seed)
    {
        uint a, b, c;
        a = b = c = 0x9e3779b9u + sizeof(uint) + 3923095u;
        if (seed != 0)
        {
            a += (uint)((ulong)seed >> 32);
            b += (uint)seed;
            Mix(ref a, ref b, ref c);
        }

        a += k;
        Final(ref a, ref b, ref c);
        return (long)(((ulong)b << 32) | c);
    }

    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= c; a ^= BitOperations.RotateLeft(c, 4); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 6); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 8); b += a;
        a -= c; a ^= BitOperations.RotateLeft(c, 16); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 19); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 4); b += a;
    }

    private static void Final(ref uint a, ref uint b, ref uint c)
    {
        c ^= b; c -= BitOperations.RotateLeft(b, 14);
        a ^= c; a -= BitOperations.RotateLeft(c, 11);
        b ^= a; b -= BitOperations.RotateLeft(a, 25);
        c ^= b; c -= BitOperations.RotateLeft(b, 16);
        a ^= c; a -= BitOperations.RotateLeft(c, 4);
        b ^= a; b -= BitOperations.RotateLeft(a, 14);
        c ^= b; c -= BitOperations.RotateLeft(b, 24);
    }
}
