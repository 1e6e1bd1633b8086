namespace DataTier.LoadReport.Sampling;

/// <summary>
/// CPU per role over the interval that ended at <see cref="Seconds"/> (cores), and the servers' resident memory then.
/// </summary>
internal sealed record ProcSample(
    double Seconds,
    double DataTier,
    double DataTierCacheOff,
    double Postgres,
    double Redis,
    double Pgpool,
    double PgBouncer,
    double LoadGenerator,
    double Harness,
    double Machine,
    double DataTierRssMb,
    double CacheOffRssMb);
