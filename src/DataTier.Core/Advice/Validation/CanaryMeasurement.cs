namespace DataTier.Core.Advice.Validation;

/// <summary>
/// What building a recommendation on one canary shard measured: the index's real size and build time, each evidence
/// statement's latency before and after, the resulting speed-up against the threshold, and whether the advice was
/// kept (with the reason either way) and the canary index left in place.
/// </summary>
public sealed record CanaryMeasurement(
    string Shard,
    bool Kept,
    string Reason,
    double? SpeedUp,
    double MinSpeedUp,
    long? IndexBytes,
    double? BuildMs,
    bool CanaryIndexKept,
    IReadOnlyList<StatementMeasurement> Statements);
