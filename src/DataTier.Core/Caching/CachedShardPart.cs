namespace DataTier.Core.Caching;

/// <summary>One shard's part of a cached scatter read: the LSN its rows were read at and how many it gave.</summary>
public sealed record CachedShardPart(string ShardId, ulong Lsn, int RowCount);
