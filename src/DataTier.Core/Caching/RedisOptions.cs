namespace DataTier.Core.Caching;

/// <summary>Redis for the L2 cache and invalidation messages (<c>DataTier:Redis</c>). Optional: without it, L1 only.</summary>
public sealed class RedisOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Redis";

    /// <summary>
    /// StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>; empty disables L2. A Redis Cluster is
    /// reached through any of its nodes (<c>10.0.0.1:7000,10.0.0.2:7000</c>, with <see cref="Cluster"/> on), a
    /// Sentinel-managed master through the sentinels and <c>serviceName=</c> (<c>10.0.0.5:26379,serviceName=mymaster</c>).
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key and channel, so several deployments can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "dt:";

    /// <summary>
    /// Whether <see cref="Configuration"/> points at a Redis Cluster (7.0 or later). Table versions then carry a hash
    /// tag naming one of a fixed set of feed partitions, and invalidations and heartbeats travel on that partition's
    /// sharded channel, so each stays ordered on the one node that owns it. It changes the key layout, so every
    /// instance of a deployment must agree: it is configured, not guessed from whichever node answered first.
    /// </summary>
    public bool Cluster { get; set; }
}
