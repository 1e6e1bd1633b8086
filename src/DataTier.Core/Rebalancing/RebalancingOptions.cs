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

    /// <summary>Apply a proposal's weights to the desired topology at once instead of waiting for approval.</summary>
    public bool AutoApply { get; set; }
}
