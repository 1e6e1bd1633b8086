namespace DataTier.Core.Sql.CrossShard;

/// <summary>How the shards' answers combine.</summary>
internal enum CrossShardMode : byte
{
    /// <summary>The shards' rows concatenated are the answer: a filter and projection of one table.</summary>
    Concatenate,

    /// <summary>Rows merged: k-way by the ORDER BY, then DISTINCT, OFFSET and LIMIT.</summary>
    Merge,

    /// <summary>Per-shard groups and aggregates combined, then HAVING, ORDER BY, DISTINCT, OFFSET and LIMIT.</summary>
    Aggregate,
}
