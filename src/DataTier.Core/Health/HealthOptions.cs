namespace DataTier.Core.Health;

/// <summary>Node probing (<c>DataTier:Health</c>).</summary>
public sealed class HealthOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Health";

    /// <summary>How often every node is probed (ms).</summary>
    public int ProbeIntervalMs { get; set; } = 1000;

    /// <summary>Timeout of one probe (ms).</summary>
    public int ProbeTimeoutMs { get; set; } = 1500;

    /// <summary>A replica lagging more than this (seconds) gets no eventual reads.</summary>
    public double MaxReplicaLagSeconds { get; set; } = 1.0;
}
