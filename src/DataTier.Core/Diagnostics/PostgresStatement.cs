namespace DataTier.Core.Diagnostics;

/// <summary>One pg_stat_statements row of one node, with DataTier's fingerprint of its text.</summary>
public sealed record PostgresStatement(
    string NodeId,
    string ShardId,
    long QueryId,
    string Query,
    string? Fingerprint,
    long Calls,
    double TotalMs,
    double MeanMs,
    double StddevMs,
    long Rows,
    long SharedBlocksHit,
    long SharedBlocksRead,
    long TempBlocks);
