namespace DataTier.Core.Switchover;

/// <summary>Planned switchovers (<c>DataTier:Switchover</c>): how a replica is promoted and how long writes may wait for it.</summary>
public sealed class SwitchoverOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Switchover";

    /// <summary>The promoter (<see cref="PromoterNames"/>).</summary>
    public string Promoter { get; set; } = PromoterNames.PgPromote;

    /// <summary>
    /// How long the fenced writes may wait for the target to replay the primary's last write; past it the fence is
    /// lifted, nothing is promoted and the switchover is refused (<c>replica-lagging</c>).
    /// </summary>
    public int MaxWritePauseMs { get; set; } = 5000;

    /// <summary>How long the promotion may take once asked for (writes stay held meanwhile).</summary>
    public int PromoteTimeoutMs { get; set; } = 10_000;

    /// <summary>A target further behind the primary than this (bytes of WAL) is refused before any write is held.</summary>
    public long MaxLagBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The Patroni promoter's settings (<c>DataTier:Switchover:Patroni</c>), used when <see cref="Promoter"/> is <c>patroni</c>.</summary>
    public PatroniPromoterOptions Patroni { get; set; } = new();
}
