namespace DataTier.Core.Diagnostics;

/// <summary>Cumulative counters of one node at one moment (pg_stat_database and friends).</summary>
public sealed record NodeSample(DateTimeOffset At, NodeCounters Counters);

/// <summary>Rates between two samples of a node.</summary>
public sealed record NodeRates(
    DateTimeOffset At,
    double CommitsPerSecond,
    double RollbacksPerSecond,
    double? BufferHitRatio,
    double? IndexHitRatio,
    long Deadlocks,
    int Connections,
    int MaxConnections,
    long DatabaseBytes,
    int LockWaits)
{
    /// <summary>Rates from two consecutive samples; the hit ratios fall back to the cumulative ones when idle.</summary>
    public static NodeRates Between(NodeSample previous, NodeSample current)
    {
        double seconds = Math.Max(0.001, (current.At - previous.At).TotalSeconds);
        NodeCounters now = current.Counters, before = previous.Counters;
        long hit = now.BlocksHit - before.BlocksHit, read = now.BlocksRead - before.BlocksRead;
        long ihit = now.IndexBlocksHit - before.IndexBlocksHit, iread = now.IndexBlocksRead - before.IndexBlocksRead;
        return new NodeRates(
            current.At,
            Math.Max(0, now.Commits - before.Commits) / seconds,
            Math.Max(0, now.Rollbacks - before.Rollbacks) / seconds,
            Ratio(hit, read) ?? Ratio(now.BlocksHit, now.BlocksRead),
            Ratio(ihit, iread) ?? Ratio(now.IndexBlocksHit, now.IndexBlocksRead),
            now.Deadlocks,
            now.Connections,
            now.MaxConnections,
            now.DatabaseBytes,
            now.LockWaits);
    }

    private static double? Ratio(long hit, long read) => hit + read <= 0 ? null : Math.Round(hit / (double)(hit + read), 4);
}
