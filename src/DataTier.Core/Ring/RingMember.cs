namespace DataTier.Core.Ring;

/// <summary>A shard on the ring and its weight (virtual nodes are proportional to it).</summary>
public readonly record struct RingMember(string ShardId, double Weight);
