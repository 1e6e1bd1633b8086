namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// One aggregate of the statement: the shard column holding its per-shard result (for avg, the shard's sum), and for avg
/// the shard column holding the count. The merged value replaces the per-shard one in <see cref="Column"/>.
/// </summary>
internal sealed record CrossShardAggregate(CrossShardAggregateKind Kind, CrossShardColumnRef Column, CrossShardColumnRef? Count, string Function);
