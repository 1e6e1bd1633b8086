namespace DataTier.Core.Rebalancing;

/// <summary>The scheduled rebalancing check (<c>DataTier:Rebalancing</c>).</summary>
public sealed class RebalancingOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Rebalancing";

    /// <summary>Seconds between checks (0: no scheduled check). Default 10 minutes.</summary>
    public int IntervalSeconds { get; set; } = 600;

    /// <summary>A proposal is made when the most loaded shard exceeds the mean load by this factor.</summary>
    public double Threshold { get; set; } = 1.25;

    /// <summary>
    /// Apply a proposal at once instead of waiting for approval: its weights become the desired topology and a move
    /// starts to carry them out (unless one is running; the next check proposes again if still out of balance).
    /// </summary>
    public bool AutoApply { get; set; }

    /// <summary>
    /// The longest a move may hold writes to its ranges (ms), from fencing the sources to switching the routing.
    /// When the final catch-up cannot finish within it, the fence lifts, writes go on to the old owner, and the
    /// cutover is tried again later.
    /// </summary>
    public int MaxWritePauseMs { get; set; } = 500;

    /// <summary>Rows per batch when copying and catching up.</summary>
    public int CopyBatchRows { get; set; } = 2000;

    /// <summary>Most rows per second a move copies (0: as fast as the shards allow), to spare a busy source.</summary>
    public int CopyRowsPerSecond { get; set; }

    /// <summary>
    /// Seconds between the switch and deleting the source's copies: instances with a stale topology may still read
    /// them that long after the switch (writes are refused by the fence whatever their topology).
    /// </summary>
    public int CleanupGraceSeconds { get; set; } = 10;

    /// <summary>
    /// How long an instance's claim on a running move lasts without renewal (s): when the instance driving a move
    /// dies, another (or the same, restarted) takes the move over after this.
    /// </summary>
    public int MoveLeaseSeconds { get; set; } = 5;

    /// <summary>The change backlog (rows) under which a move tries its write fence.</summary>
    public int FenceBacklogRows { get; set; } = 500;

    /// <summary>Fault tests only: holds each move's first fence this long after the final catch-up (ms; default 0).</summary>
    public int TestHoldFenceMs { get; set; }

    /// <summary>Fault tests only: waits this long after the switch before verifying (ms; default 0).</summary>
    public int TestHoldSwitchedMs { get; set; }
}
