namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// A cell a front end keeps in its own encoding (the wire keeps the bytes a shard sent, to relay them unchanged) with the
/// value the merge compares, sums and groups by. The merge hands the cell itself to the answer; only the front end that
/// made it reads the encoding.
/// </summary>
public interface ICrossShardDatum
{
    /// <summary>The value as the merge understands it: long, <c>decimal</c>, double, bool, string, DateTime, Guid, byte[]..., or null for SQL NULL.</summary>
    object? Value { get; }
}
