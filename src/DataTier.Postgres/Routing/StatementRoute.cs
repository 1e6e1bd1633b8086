using DataTier.Core.Sql.CrossShard;
using DataTier.Core.Topology;

namespace DataTier.Postgres.Routing;

/// <summary>Where one statement may run, as the router decided it.</summary>
/// <param name="Kind">Bound to a shard, free to run on any shard (no sharded table), or neutral (transaction control).</param>
/// <param name="Shard">The shard for <see cref="RouteKind.Shard"/>.</param>
/// <param name="Writes">The statement changes data (or may): it runs on the primary and is followed by an LSN read.</param>
/// <param name="NeedsPrimary">It must run on the primary even outside a transaction (writes, row locks).</param>
/// <param name="Source">What named the shard, for metrics: key, hint, auto, any, none.</param>
/// <param name="Merge">For <see cref="RouteKind.AllShards"/>: how the shards' answers merge; null when they are concatenated.</param>
internal readonly record struct StatementRoute(RouteKind Kind, ShardDefinition? Shard, bool Writes, bool NeedsPrimary, string Source, CrossShardPlan? Merge = null);

/// <summary>How a statement is bound to shards.</summary>
internal enum RouteKind
{
    /// <summary>Transaction control, SET LOCAL and the like: runs wherever the session's backend is.</summary>
    Neutral,

    /// <summary>Reads no sharded table (<c>select 1</c>, catalog queries): any shard answers; the designated one when nothing else decides.</summary>
    AnyShard,

    /// <summary>Bound to <see cref="StatementRoute.Shard"/>.</summary>
    Shard,

    /// <summary>A key-less read of sharded tables: runs on every shard, concatenated or merged by <see cref="StatementRoute.Merge"/>.</summary>
    AllShards,

    /// <summary>A multi-row <c>INSERT ... VALUES</c> whose rows belong to several shards: split into one statement per shard (autocommit only).</summary>
    SplitInsert,
}
