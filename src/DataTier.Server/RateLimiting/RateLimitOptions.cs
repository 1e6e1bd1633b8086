namespace DataTier.Server.RateLimiting;

/// <summary>Per API key rate limiting (<c>DataTier:RateLimit</c>): a token bucket per key.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:RateLimit";

    /// <summary>
    /// Sustained requests per second per key; 0 turns limiting off. The default sits above what one instance serves
    /// on cache hits (about 40,000 req/s on 2 cores), so it stops a runaway client, never a healthy busy one.
    /// </summary>
    public int RequestsPerSecond { get; set; } = 100_000;

    /// <summary>Requests a key may send in a burst above the sustained rate.</summary>
    public int Burst { get; set; } = 200_000;
}
