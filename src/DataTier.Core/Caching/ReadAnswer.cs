namespace DataTier.Core.Caching;

/// <summary>A read's rows (already JSON) and where they came from. A struct: a cache hit allocates nothing for it.</summary>
public readonly record struct ReadAnswer(byte[] RowsJson, int RowCount, bool Truncated, string ShardId, string ServedBy, string? NodeId, double ElapsedMs, CacheHitInfo? Cache);

/// <summary>How a cached answer was served.</summary>
public readonly record struct CacheHitInfo(string Layer, double AgeMs, double TtlSeconds, int Complexity);
