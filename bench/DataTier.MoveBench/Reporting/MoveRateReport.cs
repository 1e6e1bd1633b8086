using DataTier.MoveBench.Moves;

namespace DataTier.MoveBench.Reporting;

/// <summary>One run of the move-rate bench: where, with what, and each move's measurements.</summary>
internal sealed record MoveRateReport
{
    public required string Stamp { get; init; }

    public required string Commit { get; init; }

    public required MachineInfo Machine { get; init; }

    /// <summary>Demo <c>activity_logs</c> rows the cluster was loaded with (<c>--rows</c>).</summary>
    public required int DemoRows { get; init; }

    /// <summary>The cluster's shape, e.g. "catalog + 2 shards x (primary + 1 replica), s3 a database on the catalog server".</summary>
    public required string Cluster { get; init; }

    /// <summary>Server settings the bench set on top of the dev cluster's configuration (the rest are defaults).</summary>
    public required IReadOnlyDictionary<string, string?> ServerSettings { get; init; }

    public required IReadOnlyList<MoveResult> Moves { get; init; }

    /// <summary>How the write load's rows were removed, and other remarks on the run.</summary>
    public required IReadOnlyList<string> Notes { get; init; }
}
