namespace DataTier.Core.Rebalancing.Moves;

/// <summary>
/// A <c>datatier_move.changes</c> entry: a write the capture trigger logged on a source, by the target shard its range
/// moves to, its table and its primary key (a JSON object).
/// </summary>
internal sealed record CapturedChange(long Id, string Target, string Table, string Key);
