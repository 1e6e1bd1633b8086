namespace DataTier.Core.Health;

/// <summary>What one probe query reads from a node: whether it is in recovery, its LSN (replayed on a replica), its lag and its WAL timeline.</summary>
internal sealed record NodeProbe(bool InRecovery, long Lsn, double LagSeconds, int Timeline);
