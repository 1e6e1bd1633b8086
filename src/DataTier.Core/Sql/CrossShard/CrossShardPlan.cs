using System.Collections.Immutable;

namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// What every shard runs for a key-less read and how DataTier combines their answers into what one database would
/// answer. Made by <see cref="CrossShardPlanner"/> from the parse tree; knows nothing of HTTP or the wire.
/// </summary>
internal sealed record CrossShardPlan
{
    public required CrossShardMode Mode { get; init; }

    /// <summary>The statement each shard runs: the original for <see cref="CrossShardMode.Concatenate"/>, else rewritten.</summary>
    public required string ShardSql { get; init; }

    /// <summary>Items of the statement's select list (a <c>*</c> counts as one).</summary>
    public required int TargetCount { get; init; }

    /// <summary>The select-list item that is a <c>*</c>, or -1 (the planner accepts at most one in a merge).</summary>
    public int StarTarget { get; init; } = -1;

    /// <summary>Columns appended to each shard's select list and removed from the answer.</summary>
    public int HiddenCount { get; init; }

    /// <summary>The statement's ORDER BY, applied by the merge (and by each shard in <see cref="CrossShardMode.Merge"/>).</summary>
    public ImmutableArray<CrossShardSortKey> Order { get; init; } = [];

    /// <summary>The GROUP BY columns (<see cref="CrossShardMode.Aggregate"/>; empty: one group).</summary>
    public ImmutableArray<CrossShardColumnRef> GroupKeys { get; init; } = [];

    public ImmutableArray<CrossShardAggregate> Aggregates { get; init; } = [];

    /// <summary>The HAVING condition, evaluated after the merge.</summary>
    public HavingNode? Having { get; init; }

    public bool Distinct { get; init; }

    /// <summary>Rows of the answer at most, after <see cref="Offset"/>; null: no limit.</summary>
    public long? Limit { get; init; }

    public long Offset { get; init; }

    /// <summary>Rows each shard returns at most (LIMIT n OFFSET m pushed down as LIMIT n+m); null: all.</summary>
    public long? ShardLimit { get; init; }

    /// <summary>Whether the merged answer's column <paramref name="column"/> is computed by DataTier (count, sum, avg, bool_and/or) rather than one of a shard's values.</summary>
    public bool IsComputed(CrossShardColumnRef column)
    {
        foreach (var aggregate in Aggregates)
        {
            if (aggregate.Column == column && aggregate.Kind is not (CrossShardAggregateKind.Min or CrossShardAggregateKind.Max))
            {
                return true;
            }
        }

        return false;
    }
}
