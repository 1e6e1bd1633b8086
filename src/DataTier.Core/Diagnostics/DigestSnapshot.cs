namespace DataTier.Core.Diagnostics;

/// <summary>DataTier's figures for one statement shape.</summary>
public sealed record DigestSnapshot(
    string FingerprintId,
    string Fingerprint,
    long Calls,
    long Errors,
    long Rows,
    long CacheHits,
    double TotalMs,
    double MeanMs,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    IReadOnlyList<string> Shards,
    IReadOnlyList<string> Roles,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen)
{
    /// <summary>The front ends the statement came through: http, wire.</summary>
    public IReadOnlyList<string> FrontEnds { get; init; } = [];
}
