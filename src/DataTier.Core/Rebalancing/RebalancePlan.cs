namespace DataTier.Core.Rebalancing;

/// <summary>
/// What moving from the routing ring to the desired ring takes: the ranges that move with their rows, the moved
/// fraction against the least any placement reaching the desired shares would move, and the balance afterwards.
/// A plan is a dry run: making it changes nothing.
/// </summary>
public sealed record RebalancePlan(
    long TopologyVersion,
    IReadOnlyList<TablePlan> Tables,
    long TotalRows,
    long MovedRows,
    long MovedBytes,
    double MovedFraction,
    double IdealFraction,
    IReadOnlyList<ShardBalance> Shards,
    IReadOnlyList<PlannedMove> Moves)
{
    /// <summary>
    /// What would stop this plan from being executed, e.g. a sharded table without a primary key (a move could not
    /// tell its rows apart to catch up or verify). Empty when nothing does.
    /// </summary>
    public IReadOnlyList<string> Blockers { get; init; } = [];

    /// <summary>
    /// The share of the ring's hash space that changes owner: what the rings promise whatever the data. The moved
    /// fraction of rows approaches it as the number of distinct keys grows (with n keys its noise is about
    /// sqrt(f(1-f)/n)).
    /// </summary>
    public double MovedRingFraction { get; init; }
}
