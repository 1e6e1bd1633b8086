namespace DataTier.LoadReport.Model;

/// <summary>One scenario's measurements.</summary>
internal sealed record ScenarioResult
{
    public required string Name { get; init; }

    public required string Group { get; init; }

    public required string Title { get; init; }

    public required SystemUnderTest System { get; init; }

    public required LoadTool Tool { get; init; }

    /// <summary>pgbench's <c>-M</c> mode; absent for wrk.</summary>
    public string? PgbenchMode { get; init; }

    public required int Connections { get; init; }

    /// <summary>Measured duration in seconds.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary>Start, in seconds since the run started (for the timeline).</summary>
    public required double OffsetSeconds { get; init; }

    public required long Requests { get; init; }

    public required double RequestsPerSecond { get; init; }

    public required ErrorCounts Errors { get; init; }

    public required LatencySummary Latency { get; init; }

    /// <summary>[percentile, milliseconds] pairs: the latency chart.</summary>
    public required IReadOnlyList<double[]> Percentiles { get; init; }

    public CpuSummary? Cpu { get; init; }

    public MemorySummary? Memory { get; init; }

    public CacheSummary? Cache { get; init; }

    public RuntimeSummary? Runtime { get; init; }

    /// <summary>Whether bench/compare checks this scenario for regressions (DataTier's own scenarios).</summary>
    public required bool Gated { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// Throughput and p99 of each back-to-back window (DataTier's scenarios in full runs): what bench/compare tests a
    /// change against, as single figures of one run are too noisy on a shared 2-core machine.
    /// </summary>
    public IReadOnlyList<WindowSample> Windows { get; init; } = [];
}
