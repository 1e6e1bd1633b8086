using System.Collections.Frozen;

namespace DataTier.Core.Sql.CrossShard;

/// <summary>The aggregates PostgreSQL ships: those DataTier merges, and the rest, which it names when it refuses them.</summary>
internal static class CrossShardFunctions
{
    public static readonly FrozenDictionary<string, CrossShardAggregateKind> Mergeable =
        new Dictionary<string, CrossShardAggregateKind>(StringComparer.Ordinal)
        {
            ["count"] = CrossShardAggregateKind.Count,
            ["sum"] = CrossShardAggregateKind.Sum,
            ["min"] = CrossShardAggregateKind.Min,
            ["max"] = CrossShardAggregateKind.Max,
            ["avg"] = CrossShardAggregateKind.Avg,
            ["bool_and"] = CrossShardAggregateKind.BoolAnd,
            ["every"] = CrossShardAggregateKind.BoolAnd,
            ["bool_or"] = CrossShardAggregateKind.BoolOr,
        }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Aggregates whose per-shard results do not combine exactly (order-dependent, or needing every row at once).</summary>
    public static readonly FrozenSet<string> Unmergeable = FrozenSet.Create(StringComparer.Ordinal,
        "array_agg", "string_agg", "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg", "xmlagg",
        "bit_and", "bit_or", "bit_xor", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp",
        "corr", "covar_pop", "covar_samp", "mode", "percentile_cont", "percentile_disc", "rank", "dense_rank",
        "percent_rank", "cume_dist", "range_agg", "range_intersect_agg", "regr_avgx", "regr_avgy", "regr_count",
        "regr_intercept", "regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy", "any_value",
        "json_agg_strict", "jsonb_agg_strict", "json_objectagg", "json_arrayagg");
}
