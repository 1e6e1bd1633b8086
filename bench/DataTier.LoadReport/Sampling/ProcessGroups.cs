namespace DataTier.LoadReport.Sampling;

/// <summary>
/// The processes of a run by role, as PIDs (0: absent). PostgreSQL counts its postmasters and every backend they
/// forked; pgpool its main process and children; PgBouncer its one process; the load generators are the harness's
/// own children (wrk, pgbench).
/// </summary>
internal sealed record ProcessGroups(
    int DataTier,
    int DataTierCacheOff,
    IReadOnlyList<int> Postmasters,
    int Redis,
    int Pgpool,
    int PgBouncer,
    int Harness);
