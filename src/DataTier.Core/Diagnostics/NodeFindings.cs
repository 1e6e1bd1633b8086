namespace DataTier.Core.Diagnostics;

/// <summary>What a DBA looks at on one node, read on demand.</summary>
public sealed record NodeFindings(
    IReadOnlyList<SeqScanTable> SeqScannedTables,
    IReadOnlyList<UnusedIndex> UnusedIndexes,
    IReadOnlyList<TableBloat> Bloat,
    IReadOnlyList<LongRunning> LongRunning);

/// <summary>A large table read by sequential scans.</summary>
public sealed record SeqScanTable(string Table, long SeqScans, long SeqRowsRead, long IndexScans, long LiveRows);

/// <summary>A non-unique index never scanned since the statistics were reset.</summary>
public sealed record UnusedIndex(string Table, string Index, long Scans, long Bytes);

/// <summary>Dead rows as an estimate of bloat.</summary>
public sealed record TableBloat(string Table, long DeadRows, long LiveRows, double DeadRatio);

/// <summary>A long-running query or transaction, or one waiting on a lock.</summary>
public sealed record LongRunning(int Pid, string State, double QuerySeconds, double TransactionSeconds, string? WaitEventType, string Query);
