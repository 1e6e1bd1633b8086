namespace DataTier.Core.Execution;

/// <summary>Committed statements on one shard and the LSN the commit reached.</summary>
public sealed record CommittedWrite(string ShardId, IReadOnlyList<WriteResult> Results, ulong CommitLsn);
