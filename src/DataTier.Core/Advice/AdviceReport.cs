using DataTier.Core.Advice.Validation;

namespace DataTier.Core.Advice;

/// <summary>What one advisor run found (<see cref="Rejected"/>: advice a canary measurement dropped, validated runs only).</summary>
public sealed record AdviceReport(
    long RunId,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    int StatementsAnalysed,
    IReadOnlyList<IndexRecommendation> Recommendations,
    IReadOnlyList<IndexFinding> Unused,
    IReadOnlyList<IndexFinding> Duplicates,
    IReadOnlyList<IndexFinding> Invalid,
    IReadOnlyList<string> Notes,
    IReadOnlyList<IndexFinding> NotEnoughHistory,
    IReadOnlyList<IndexRecommendation>? Rejected = null);

/// <summary>
/// An index to build, with the evidence for it (and, on a validated run, what the canary shard measured).
/// <see cref="RowsWritten"/> is the rows written to the table on its shards over the advisor's window
/// (<see cref="WriteWindowSeconds"/>, since the previous run; null when there was no previous run to count from),
/// and <see cref="WriteCost"/> says what those writes cost this index.
/// </summary>
public sealed record IndexRecommendation(
    string Table,
    string IndexName,
    IReadOnlyList<string> Columns,
    string CreateSql,
    string DropSql,
    long EstimatedBytes,
    double Benefit,
    double WritePenalty,
    IReadOnlyList<string> Shards,
    IReadOnlyList<StatementEvidence> Statements,
    CanaryMeasurement? Measured = null,
    long? RowsWritten = null,
    double WriteWindowSeconds = 0,
    string? WriteCost = null)
{
    /// <summary>Rows written to the table per second over the window, summed over the index's shards (null: not measured yet).</summary>
    public double? WriteRowsPerSecond => RowsWritten is { } rows && WriteWindowSeconds > 0 ? Math.Round(rows / WriteWindowSeconds, 3) : null;
}

/// <summary>How one statement's cost changes with a recommended index, on one shard.</summary>
public sealed record StatementEvidence(
    string Shard,
    string Fingerprint,
    string Sql,
    long Calls,
    double TotalExecMs,
    long DataTierCalls,
    double CostBefore,
    double CostAfter)
{
    /// <summary>Share of the planner cost the index removes.</summary>
    public double CostReduction => CostBefore <= 0 ? 0 : 1 - (CostAfter / CostBefore);
}

/// <summary>
/// An existing index worth a DBA's look: unused, duplicate or invalid; or not scanned but watched too briefly to say
/// (<see cref="AdviceReport.NotEnoughHistory"/>, whose <see cref="DropSql"/> is empty: nothing to act on yet).
/// <see cref="Scans"/> is the total over every node; <see cref="ScansByShard"/> sums each shard's nodes.
/// </summary>
public sealed record IndexFinding(
    string Table,
    string IndexName,
    string Definition,
    long Scans,
    long Bytes,
    string? CoveredBy,
    IReadOnlyList<string> Shards,
    string DropSql,
    IReadOnlyDictionary<string, long> ScansByShard);
