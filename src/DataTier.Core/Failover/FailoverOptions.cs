namespace DataTier.Core.Failover;

/// <summary>Following failovers (<c>DataTier:Failover</c>): DataTier follows a promotion made elsewhere, it never promotes.</summary>
public sealed class FailoverOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Failover";

    /// <summary>
    /// Whether a replica found promoted (out of recovery, on a newer timeline than the primary's, while the primary
    /// is unreachable, in recovery or on an older timeline) becomes its shard's primary.
    /// </summary>
    public bool FollowPromotions { get; set; } = true;

    /// <summary>Consecutive failed probes (or failed requests) of an unreachable primary before its promoted replica is followed.</summary>
    public int PrimaryFailuresBeforeFollowing { get; set; } = 1;

    /// <summary>Timeout of recording a followed promotion (the catalog write and reload), in milliseconds.</summary>
    public int RecordTimeoutMs { get; set; } = 5000;
}
