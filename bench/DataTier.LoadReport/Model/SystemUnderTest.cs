namespace DataTier.LoadReport.Model;

/// <summary>What answered a scenario's requests.</summary>
internal enum SystemUnderTest
{
    /// <summary>
    /// The DataTier server that <c>dev up</c> started (cache on). Its scenarios run over HTTP with wrk, or over its
    /// PostgreSQL wire front end with pgbench (<see cref="LoadTool.Pgbench"/>), as for <see cref="DataTierCacheOff"/>.
    /// </summary>
    DataTier,

    /// <summary>A second DataTier server on the same cluster with <c>DataTier:Cache:Enabled=false</c>.</summary>
    DataTierCacheOff,

    /// <summary>pgbench straight to the shard's primary: the floor for a read that misses every cache.</summary>
    PostgresDirect,

    /// <summary>The bare-Kestrel reference (bench/DataTier.HttpCeiling): this machine's HTTP ceiling for the request shape.</summary>
    HttpCeiling,

    /// <summary>A DataTier server started by the harness during the run, measured from its first second of readiness.</summary>
    DataTierFresh,

    /// <summary>pgbench through Pgpool-II (load balancing and its query cache on) in front of the shard.</summary>
    Pgpool,

    /// <summary>pgbench through PgBouncer (transaction pooling) in front of the shard's primary.</summary>
    PgBouncer,
}
