namespace DataTier.Client;

/// <summary>Rows of a read and where they came from.</summary>
public sealed record QueryResult<T>(IReadOnlyList<T> Rows, bool Truncated, string Shard, string ServedBy, string? CacheLayer, double ElapsedMs);

/// <summary>The outcome of a write.</summary>
public sealed record ExecuteResult(long RowsAffected, string Shard, string Token);

/// <summary>The outcome of a write with RETURNING rows.</summary>
public sealed record ExecuteResult<T>(long RowsAffected, IReadOnlyList<T> Rows, string Shard, string Token);

/// <summary>The outcome of a transaction: rows affected per statement.</summary>
public sealed record TransactionResult(IReadOnlyList<long> RowsAffected, string Shard, string Token);

/// <summary>A shard's part of a scatter read.</summary>
public sealed record ScatterShard(string Id, int RowCount, double ElapsedMs, string ServedBy);

/// <summary>The merged rows of a scatter read.</summary>
public sealed record ScatterResult<T>(IReadOnlyList<T> Rows, bool Truncated, IReadOnlyList<ScatterShard> Shards, IReadOnlyList<string> FailedShards);
