namespace DataTier.Core.Caching;

/// <summary>
/// The invalidation state of one table on one shard: a counter bumped after every committed write through DataTier,
/// and the highest commit LSN of those writes (a cached read must have seen at least that LSN).
/// </summary>
public readonly record struct TableVersion(long Version, ulong WriteLsn)
{
    /// <summary>The newer of two states, field by field (messages may arrive out of order).</summary>
    public TableVersion Max(TableVersion other) => new(Math.Max(Version, other.Version), Math.Max(WriteLsn, other.WriteLsn));
}
