using DataTier.Core.Sql.CrossShard;

namespace DataTier.Postgres.CrossShard;

/// <summary>
/// A value of a type the merge does not order (json, arrays, intervals, ...): equal when its bytes are (enough for GROUP BY
/// and DISTINCT, since PostgreSQL's output of these types is canonical), and refused when it would have to be ordered.
/// </summary>
internal sealed class WireOpaqueValue(byte[] bytes, uint typeOid) : ICrossShardTypeName
{
    public string TypeName => $"type OID {typeOid}";

    public override bool Equals(object? obj) => obj is WireOpaqueValue other && other.Bytes.AsSpan().SequenceEqual(Bytes);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }

    private byte[] Bytes { get; } = bytes;
}
