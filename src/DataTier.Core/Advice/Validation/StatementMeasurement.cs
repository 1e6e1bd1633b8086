namespace DataTier.Core.Advice.Validation;

/// <summary>
/// One evidence statement replayed on the canary shard before and after the index: the median execution time
/// (<c>EXPLAIN (ANALYZE, TIMING OFF)</c>) of <see cref="Runs"/> runs each, or null with <see cref="Note"/> saying
/// why it was not measured (no parameter values DataTier saw, a failed replay).
/// </summary>
public sealed record StatementMeasurement(string Fingerprint, int Runs, double? BeforeMedianMs, double? AfterMedianMs, string? Note)
{
    /// <summary>Before over after (null when not measured).</summary>
    public double? SpeedUp => BeforeMedianMs is { } before && AfterMedianMs is { } after ? Math.Round(before / Math.Max(after, 0.001), 2) : null;
}
