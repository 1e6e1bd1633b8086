namespace DataTier.Core.Sql.CrossShard;

/// <summary>The aggregates whose per-shard results combine into exactly what one database would compute.</summary>
internal enum CrossShardAggregateKind : byte
{
    /// <summary>count(*), count(x): the sum of the shards' counts (int8).</summary>
    Count,

    /// <summary>sum(x): the sum of the shards' sums, NULL when every shard's is NULL; the type the shards return (int8 for int2/int4, numeric for int8/numeric).</summary>
    Sum,

    /// <summary>min(x): the least of the shards' minimums.</summary>
    Min,

    /// <summary>max(x): the greatest of the shards' maximums.</summary>
    Max,

    /// <summary>avg(x): each shard returns sum(x) and count(x); DataTier divides with PostgreSQL's numeric scale rules.</summary>
    Avg,

    /// <summary>bool_and(x) / every(x).</summary>
    BoolAnd,

    /// <summary>bool_or(x).</summary>
    BoolOr,
}
