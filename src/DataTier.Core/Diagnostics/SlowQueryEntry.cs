namespace DataTier.Core.Diagnostics;

/// <summary>A statement shape in the slow-query view: DataTier's figures and PostgreSQL's, matched by fingerprint.</summary>
public sealed record SlowQueryEntry(
    string FingerprintId,
    string Fingerprint,
    DigestSnapshot? DataTier,
    PostgresFigures? Postgres,
    IReadOnlyList<string> SlowShards,
    bool Slow);

/// <summary>pg_stat_statements figures summed over every node that ran a statement shape.</summary>
public sealed record PostgresFigures(
    long Calls,
    double TotalMs,
    double MeanMs,
    double StddevMs,
    long Rows,
    long SharedBlocksHit,
    long SharedBlocksRead,
    long TempBlocks,
    IReadOnlyList<ShardFigures> Shards);

/// <summary>One shard's share of a statement shape (its nodes together).</summary>
public sealed record ShardFigures(string Shard, long Calls, double MeanMs);
