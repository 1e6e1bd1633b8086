namespace DataTier.Core.Execution;

/// <summary>Committed statements on one shard and the LSN the commit reached.</summary>
public sealed record CommittedWrite(string ShardId, IReadOnlyList<WriteResult> Results, ulong CommitLsn)
{
    /// <summary>
    /// Whether this is the recorded answer of an earlier write with the same idempotency key (nothing was applied
    /// now). <see cref="CommitLsn"/> is then the primary's LSN when the answer was read, at or after the commit.
    /// </summary>
    public bool Replayed { get; init; }
}
