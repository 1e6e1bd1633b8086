namespace DataTier.LoadReport.Model;

/// <summary>
/// Mean CPU over a scenario in cores (1.0 = one core busy), from /proc every 0.5 s. <see cref="Foreign"/> is what the
/// machine spent beyond every process of the benchmark (kernel work for them included): other users of the machine.
/// </summary>
internal sealed record CpuSummary(
    double DataTier,
    double DataTierCacheOff,
    double Postgres,
    double Redis,
    double Pgpool,
    double PgBouncer,
    double LoadGenerator,
    double Harness,
    double Machine,
    double Foreign);
