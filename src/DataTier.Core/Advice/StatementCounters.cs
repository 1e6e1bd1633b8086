namespace DataTier.Core.Advice;

/// <summary>Cumulative pg_stat_statements counters of one statement on one node.</summary>
public readonly record struct StatementCounters(long Calls, double TotalExecMs)
{
    /// <summary>
    /// The work done since <paramref name="baseline"/>; counters that went down mean the statistics were reset (or
    /// the entry evicted and re-created) since, so everything now counted is new.
    /// </summary>
    public StatementCounters Since(StatementCounters? baseline) =>
        baseline is not { } b || b.Calls > Calls || b.TotalExecMs > TotalExecMs + 1e-6
            ? this
            : new StatementCounters(Calls - b.Calls, Math.Max(0, TotalExecMs - b.TotalExecMs));
}
