namespace DataTier.Core.Rebalancing;

/// <summary>A hash range whose rows a plan moves, and how many there are (bytes estimated from each table's average row).</summary>
public sealed record PlannedMove(long Start, long End, bool IncludesStart, string From, string To, long Rows, long Bytes);
