namespace DataTier.Core.Diagnostics;

/// <summary>Cumulative counters of one node at one moment (pg_stat_database and friends).</summary>
public sealed record NodeSample(
    DateTimeOffset At,
    long Commits,
    long Rollbacks,
    long BlocksHit,
    long BlocksRead,
    long IndexBlocksHit,
    long IndexBlocksRead,
    long Deadlocks,
    int Connections,
    int MaxConnections,
    long DatabaseBytes,
    int LockWaits);

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
        long hit = current.BlocksHit - previous.BlocksHit, read = current.BlocksRead - previous.BlocksRead;
        long ihit = current.IndexBlocksHit - previous.IndexBlocksHit, iread = current.IndexBlocksRead - previous.IndexBlocksRead;
        return new NodeRates(
            current.At,
            Math.Max(0, current.Commits - previous.Commits) / seconds,
            Math.Max(0, current.Rollbacks - previous.Rollbacks) / seconds,
            Ratio(hit, read) ?? Ratio(current.BlocksHit, current.BlocksRead),
            Ratio(ihit, iread) ?? Ratio(current.IndexBlocksHit, current.IndexBlocksRead),
            current.Deadlocks,
            current.Connections,
            current.MaxConnections,
            current.DatabaseBytes,
            current.LockWaits);
    }

    private static double? Ratio(long hit, long read) => hit + read <= 0 ? null : Math.Round(hit / (double)(hit + read), 4);
}
