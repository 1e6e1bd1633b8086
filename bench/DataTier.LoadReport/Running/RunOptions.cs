using DataTier.LoadReport.Cluster;
using DataTier.LoadReport.Preparation;
using DataTier.LoadReport.Sampling;

namespace DataTier.LoadReport.Running;

/// <summary>Everything <c>run</c> needs: the cluster, the prepared data, the extra servers, and how long to run.</summary>
internal sealed record RunOptions
{
    public required DevClusterManifest Manifest { get; init; }

    public required PreparedData Data { get; init; }

    public required string LoadDir { get; init; }

    public required string CacheOffUrl { get; init; }

    public required int PgpoolPort { get; init; }

    /// <summary>The cache-off server's PostgreSQL wire port (the cache-on server's is in the manifest); null: not measured.</summary>
    public int? CacheOffWirePort { get; init; }

    /// <summary>PgBouncer (transaction pooling) in front of the comparison shard's primary; null: not measured.</summary>
    public int? PgBouncerPort { get; init; }

    /// <summary>PgBouncer's default_pool_size: DataTier:Postgres:BackendPoolSize, the wire front end's connections per node.</summary>
    public int PgBouncerPoolSize { get; init; }

    /// <summary>What the installed PgBouncer supports (its pgbench mode follows from it); null when it is not measured.</summary>
    public Preparation.PgBouncerFeatures? PgBouncer { get; init; }

    /// <summary>The bare-Kestrel reference (bench/DataTier.HttpCeiling); null: not measured.</summary>
    public string? CeilingUrl { get; init; }

    /// <summary>The server dll and configuration the fresh-start scenario starts an instance from; null: not measured.</summary>
    public string? ServerDll { get; init; }

    public string? ServerConfig { get; init; }

    public required ProcessGroups Processes { get; init; }

    public required int DurationSeconds { get; init; }

    public required bool Smoke { get; init; }

    public required string OutDir { get; init; }

    public required string Stamp { get; init; }

    public required int DemoRows { get; init; }

    public required string Commit { get; init; }

    /// <summary>Settings the servers ran with beyond the cluster's defaults, for the report.</summary>
    public required IReadOnlyList<string> ServerSettings { get; init; }

    /// <summary>Only these scenarios (names); empty for all.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];
}
