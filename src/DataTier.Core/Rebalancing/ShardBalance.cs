namespace DataTier.Core.Rebalancing;

/// <summary>
/// One shard's rows before and after a plan, its share of the desired ring, and its load after the move against
/// the mean (1.0 = exactly its share). <see cref="Misplaced"/> counts rows found on the shard that the routing ring
/// places elsewhere (0 on a healthy cluster).
/// </summary>
public sealed record ShardBalance(string Id, string State, long RowsNow, long RowsAfter, double DesiredShare, double LoadAfter, long Misplaced);
