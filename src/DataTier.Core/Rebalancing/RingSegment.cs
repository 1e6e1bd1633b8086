namespace DataTier.Core.Rebalancing;

/// <summary>
/// A stretch of ring positions (<see cref="Start"/>, <see cref="End"/>] (from <see cref="long.MinValue"/> inclusive
/// for the first) that one shard owns on the routing ring and one shard owns on the desired ring.
/// </summary>
public readonly record struct RingSegment(long Start, long End, bool IncludesStart, string From, string To)
{
    /// <summary>Whether the segment's rows change shard.</summary>
    public bool Moves => !string.Equals(From, To, StringComparison.Ordinal);
}
