using DataTier.Core.Execution;

namespace DataTier.Core.Caching;

/// <summary>A scatter read's merged rows (already JSON), each shard's part, and how the answer was served.</summary>
public sealed record ScatterAnswer(
    byte[] RowsJson,
    int RowCount,
    bool Truncated,
    IReadOnlyList<ScatterShardResult> Shards,
    IReadOnlyList<ScatterShardFailure> FailedShards,
    string ServedBy,
    double ElapsedMs,
    CacheHitInfo? Cache)
{
    /// <summary>For a keyset page: the next page's token; null on the last page.</summary>
    public string? NextPage { get; init; }
}
