namespace DataTier.LoadReport.Model;

/// <summary>How a run was configured.</summary>
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
    IReadOnlyList<string> ServerSettings);
