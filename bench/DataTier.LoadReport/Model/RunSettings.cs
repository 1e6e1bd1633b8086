namespace DataTier.LoadReport.Model;

/// <summary>
/// How a run was configured. <see cref="PgBouncer"/> describes the PgBouncer the run compared with (version, pooling,
/// pool size and why its pgbench mode); null in reports from before it was measured.
/// </summary>
internal sealed record RunSettings(
    double DurationSeconds,
    bool Smoke,
    int DemoRows,
    string ComparisonShard,
    int ComparisonTeams,
    int LogsPerTeam,
    double ZipfExponent,
    string PgbenchModeDirect,
    string PgbenchModePgpool,
    string Commit,
    IReadOnlyList<string> ServerSettings,
    string? PgbenchModePgBouncer = null,
    string? PgBouncer = null);
