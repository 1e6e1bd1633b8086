namespace DataTier.Core.Rebalancing;

/// <summary>
/// One routed shard's measured load: rows and bytes of its sharded tables (from the planner's statistics), the reads
/// and writes DataTier sent it since this instance started, and its load per unit of its ring share against the
/// mean (1.0 = exactly its share).
/// </summary>
public sealed record ShardLoad(string Id, double Weight, long Rows, long Bytes, long Requests, double Load);
