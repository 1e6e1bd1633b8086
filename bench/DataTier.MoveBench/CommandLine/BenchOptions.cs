namespace DataTier.MoveBench.CommandLine;

/// <summary>What one run measures and where it puts things.</summary>
internal sealed record BenchOptions
{
    /// <summary>Demo <c>activity_logs</c> rows the cluster is loaded with (the other tables scale with it).</summary>
    public int Rows { get; init; } = 200_000;

    /// <summary>Where the JSON and Markdown results go.</summary>
    public required string OutDir { get; init; }

    /// <summary>
    /// A directory of this run's own (the cluster lives in <c>cluster/</c> under it); deleted at the end. bench/move-rate
    /// makes it, so that it can stop the cluster with <c>down</c> should this process die.
    /// </summary>
    public required string WorkDir { get; init; }

    /// <summary>Port of the in-process server on 127.0.0.1 (0: any free port).</summary>
    public int Port { get; init; }

    /// <summary>UTC stamp in the result files' names.</summary>
    public required string Stamp { get; init; }

    /// <summary>The commit measured, as bench/move-rate saw it.</summary>
    public string Commit { get; init; } = "unknown";

    /// <summary>Also measure the 2 -> 3 -> 2 moves under a write load.</summary>
    public bool WithLoad { get; init; } = true;

    /// <summary>Concurrent writers of the write load.</summary>
    public int Writers { get; init; } = 4;

    /// <summary>Writes per second each writer aims at (a steady load, not a saturating one).</summary>
    public int WritesPerSecondPerWriter { get; init; } = 25;
}
