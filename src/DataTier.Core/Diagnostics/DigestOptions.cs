namespace DataTier.Core.Diagnostics;

/// <summary>The query digest and the slow-query view (<c>DataTier:Diagnostics</c>).</summary>
public sealed class DigestOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Diagnostics";

    /// <summary>Most fingerprints kept; the least recently used are dropped (and counted) past it.</summary>
    public int MaxFingerprints { get; set; } = 5000;

    /// <summary>A statement whose mean time is above this (ms) is flagged slow.</summary>
    public double SlowThresholdMs { get; set; } = 100;

    /// <summary>Interval of the performance sampler (ms).</summary>
    public int SampleIntervalMs { get; set; } = 10_000;

    /// <summary>How much sampler history is kept in memory (minutes).</summary>
    public int HistoryMinutes { get; set; } = 60;
}
