namespace DataTier.Core.Diagnostics;

/// <summary>The cumulative counters one sample query reads from a node (pg_stat_database and friends).</summary>
public sealed record NodeCounters(
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
