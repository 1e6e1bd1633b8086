namespace DataTier.Core.Rebalancing;

/// <summary>The estimated rows (<c>reltuples</c>) and bytes of a shard's sharded tables, as the rebalancing check measures them.</summary>
internal sealed record ShardSize(long Rows, long Bytes);
