using DataTier.Core.Sql.CrossShard;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.CrossShard;

/// <summary>
/// One non-NULL cell of a shard's DataRow: the bytes as the shard sent them (relayed unchanged when the cell is part of
/// the answer) and, decoded on first use, the value the merge compares, groups and adds.
/// </summary>
internal sealed class WireDatum(byte[] bytes, uint typeOid, FormatCode format) : ICrossShardDatum
{
    private object? _value;
    private bool _decoded;

    public byte[] Bytes { get; } = bytes;

    public object? Value
    {
        get
        {
            if (!_decoded)
            {
                _value = WireValueCodec.Decode(Bytes, typeOid, format);
                _decoded = true;
            }

            return _value;
        }
    }
}
