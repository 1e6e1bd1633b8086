using System.ComponentModel.DataAnnotations;

namespace DataTier.Core.Execution;

/// <summary>Limits of the data API (<c>DataTier:DataApi</c>).</summary>
public sealed class DataApiOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:DataApi";

    /// <summary>Rows returned when a request names no maxRows.</summary>
    [Range(1, 1_000_000)]
    public int DefaultMaxRows { get; set; } = 1000;

    /// <summary>Upper bound of a request's maxRows.</summary>
    [Range(1, 1_000_000)]
    public int MaxRows { get; set; } = 10_000;

    /// <summary>Statement timeout when a request names none (ms).</summary>
    [Range(1, 3_600_000)]
    public int DefaultTimeoutMs { get; set; } = 5000;

    /// <summary>Upper bound of a request's timeoutMs.</summary>
    [Range(1, 3_600_000)]
    public int MaxTimeoutMs { get; set; } = 30_000;

    /// <summary>Longest SQL text accepted (characters).</summary>
    [Range(1, 10_000_000)]
    public int MaxSqlLength { get; set; } = 100_000;

    /// <summary>Most parameters per statement.</summary>
    [Range(1, 65_535)]
    public int MaxParameters { get; set; } = 1000;

    /// <summary>Most statements in one transaction request.</summary>
    [Range(1, 10_000)]
    public int MaxStatementsPerTransaction { get; set; } = 100;

    /// <summary>Shards queried at once by a scatter read.</summary>
    [Range(1, 1024)]
    public int ScatterConcurrency { get; set; } = 8;

    /// <summary>
    /// How long a write refused by a move's fence is retried (ms) before it fails with <c>range-moving</c>. A fence
    /// normally lasts under the move's MaxWritePause; this also covers the instance driving a move dying in the
    /// fence, until another takes the move over (its lease) and lifts the fence.
    /// </summary>
    [Range(0, 600_000)]
    public int FencedWriteWaitMs { get; set; } = 20_000;

    /// <summary>
    /// How long a keyed write's key and answer are kept on its shard (hours): a retry with the same
    /// <c>Idempotency-Key</c> within it replays the first answer. Older keys are deleted by a sweep every few minutes,
    /// so a key may answer a little past this, never less.
    /// </summary>
    [Range(1, 8760)]
    public int IdempotencyRetentionHours { get; set; } = 24;
}
