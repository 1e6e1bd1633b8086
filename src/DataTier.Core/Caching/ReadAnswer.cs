namespace DataTier.Core.Caching;

/// <summary>A read's rows (already JSON) and where they came from.</summary>
public sealed record ReadAnswer(byte[] RowsJson, int RowCount, bool Truncated, string ShardId, string ServedBy, string? NodeId, double ElapsedMs, CacheHitInfo? Cache);

/// <summary>How a cached answer was served.</summary>
public sealed record CacheHitInfo(string Layer, double AgeMs, double TtlSeconds, int Complexity);
