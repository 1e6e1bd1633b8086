namespace DataTier.Core.Rebalancing;

/// <summary>The rows of one table on one shard that fall in one ring segment (the segment's <c>width_bucket</c> number).</summary>
internal sealed record SegmentCount(int Segment, long Rows);
