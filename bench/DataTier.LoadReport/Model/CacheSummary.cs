namespace DataTier.LoadReport.Model;

/// <summary>What DataTier's cache did during a scenario (differences of <c>/admin/cache/stats</c>).</summary>
internal sealed record CacheSummary(long Hits, long Misses, long Bypasses, long Fills, double HitRate);
