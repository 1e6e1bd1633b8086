namespace DataTier.Core.Execution;

/// <summary>The merged rows of a scatter read and what each shard did.</summary>
public sealed record ScatterOutcome(QueryResult Result, IReadOnlyList<ScatterShardResult> Shards, IReadOnlyList<ScatterShardFailure> FailedShards)
{
    /// <summary>For a keyset page: the token of the next page; null on the last page (and for other reads).</summary>
    public string? NextPage { get; init; }
}

/// <summary>One shard's part of a scatter read.</summary>
public sealed record ScatterShardResult(string Id, int RowCount, double ElapsedMs, string ServedBy, string? Node, ulong Lsn);

/// <summary>A shard that failed during a partial scatter read.</summary>
public sealed record ScatterShardFailure(string Id, string Code, string Detail);
