using System.Text.Json;

namespace DataTier.Server.Api;

// The data API writes its answers with a Utf8JsonWriter (DataEndpoints), not through these types: they describe those
// answers in the OpenAPI document. OpenApiDocumentTests sends a real request to each of the four endpoints and checks
// every answer against its schema, so a field the writer drops, renames or retypes shows up there.

/// <summary>The answer of <c>POST /v1/query</c>.</summary>
public sealed class QueryAnswer
{
    /// <summary>The rows, one object per row keyed by column name.</summary>
    public required IReadOnlyList<Dictionary<string, JsonElement>> Rows { get; init; }

    /// <summary>How many rows <c>rows</c> holds.</summary>
    public required int RowCount { get; init; }

    /// <summary>True when the statement had more rows than <c>maxRows</c>.</summary>
    public required bool Truncated { get; init; }

    /// <summary>The shard that owns the key.</summary>
    public required string Shard { get; init; }

    /// <summary>primary, replica or cache.</summary>
    public required string ServedBy { get; init; }

    /// <summary>The node that ran the statement (absent for a cache hit).</summary>
    public string? Node { get; init; }

    /// <summary>Present when the answer came from the cache.</summary>
    public CacheHitView? Cache { get; init; }

    /// <summary>Time spent in DataTier for the request, in ms.</summary>
    public required double ElapsedMs { get; init; }
}

/// <summary>Where a cached answer came from.</summary>
public sealed class CacheHitView
{
    /// <summary>l1 (this process) or l2 (Redis).</summary>
    public required string Layer { get; init; }

    /// <summary>Age of the cached answer in ms.</summary>
    public required double AgeMs { get; init; }

    /// <summary>The entry's time to live in seconds.</summary>
    public required double TtlSeconds { get; init; }

    /// <summary>The statement's complexity score the TTL was derived from.</summary>
    public required int Complexity { get; init; }
}

/// <summary>The answer of <c>POST /v1/execute</c>.</summary>
public sealed class ExecuteAnswer
{
    /// <summary>Rows inserted, updated or deleted.</summary>
    public required long RowsAffected { get; init; }

    /// <summary>RETURNING rows (empty without RETURNING).</summary>
    public required IReadOnlyList<Dictionary<string, JsonElement>> Rows { get; init; }

    /// <summary>The shard that took the write.</summary>
    public required string Shard { get; init; }

    /// <summary>The session token: pass it with <c>consistency</c> session to read this write.</summary>
    public required string Token { get; init; }
}

/// <summary>One statement's result in a transaction.</summary>
public sealed class StatementAnswer
{
    /// <summary>Rows the statement affected.</summary>
    public required long RowsAffected { get; init; }

    /// <summary>Rows it returned.</summary>
    public required IReadOnlyList<Dictionary<string, JsonElement>> Rows { get; init; }
}

/// <summary>The answer of <c>POST /v1/transaction</c>.</summary>
public sealed class TransactionAnswer
{
    /// <summary>One result per statement, in order.</summary>
    public required IReadOnlyList<StatementAnswer> Results { get; init; }

    /// <summary>The shard the transaction ran on.</summary>
    public required string Shard { get; init; }

    /// <summary>The session token after the commit.</summary>
    public required string Token { get; init; }
}

/// <summary>The answer of <c>POST /v1/scatter</c>.</summary>
public sealed class ScatterReadAnswer
{
    /// <summary>The merged rows.</summary>
    public required IReadOnlyList<Dictionary<string, JsonElement>> Rows { get; init; }

    /// <summary>How many rows <c>rows</c> holds.</summary>
    public required int RowCount { get; init; }

    /// <summary>True when rows were cut at the limit or <c>maxRows</c>.</summary>
    public required bool Truncated { get; init; }

    /// <summary>replica, primary, cache or mixed.</summary>
    public required string ServedBy { get; init; }

    /// <summary>Present when the answer came from the cache.</summary>
    public CacheHitView? Cache { get; init; }

    /// <summary>Present for a keyset page.</summary>
    public ScatterPageView? Page { get; init; }

    /// <summary>Each shard that answered.</summary>
    public required IReadOnlyList<ScatterShardView> Shards { get; init; }

    /// <summary>Shards that failed (only with <c>allowPartial</c>).</summary>
    public required IReadOnlyList<ScatterFailedShardView> FailedShards { get; init; }
}

/// <summary>A keyset page's position.</summary>
public sealed class ScatterPageView
{
    /// <summary>Rows per page.</summary>
    public required int Size { get; init; }

    /// <summary>Pass as <c>page.after</c> for the next page; null after the last page.</summary>
    public required string? Next { get; init; }
}

/// <summary>One shard's part of a scatter read.</summary>
public sealed class ScatterShardView
{
    /// <summary>The shard.</summary>
    public required string Id { get; init; }

    /// <summary>Rows it returned.</summary>
    public required int RowCount { get; init; }

    /// <summary>Its time in ms.</summary>
    public required double ElapsedMs { get; init; }

    /// <summary>primary, replica or cache.</summary>
    public required string ServedBy { get; init; }

    /// <summary>The node that ran it.</summary>
    public string? Node { get; init; }
}

/// <summary>A shard that failed during a partial scatter read.</summary>
public sealed class ScatterFailedShardView
{
    /// <summary>The shard.</summary>
    public required string Id { get; init; }

    /// <summary>Its problem code.</summary>
    public required string Code { get; init; }

    /// <summary>What failed.</summary>
    public required string Detail { get; init; }
}
