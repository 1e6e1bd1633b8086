namespace DataTier.Core.Caching;

/// <summary>Redis for the L2 cache and invalidation messages (<c>DataTier:Redis</c>). Optional: without it, L1 only.</summary>
public sealed class RedisOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Redis";

    /// <summary>StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>; empty disables L2.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key and channel, so several deployments can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "dt:";
}
