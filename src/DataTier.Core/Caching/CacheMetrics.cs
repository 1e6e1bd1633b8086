using Prometheus;

namespace DataTier.Core.Caching;

/// <summary>Prometheus metrics of the cache. Labels are bounded: layer, result, and table names of the schema.</summary>
public sealed class CacheMetrics
{
    private Counter.Child? _l1Hit;
    private Counter.Child? _l1Miss;
    private Counter.Child? _l2Hit;
    private Counter.Child? _l2Miss;
    private Counter.Child? _versionChecksMemory;
    private Counter.Child? _versionChecksRedis;

    /// <summary>Lookups by layer (l1, l2) and result (hit, miss).</summary>
    public Counter Lookups { get; } = Metrics.CreateCounter("datatier_cache_lookups_total", "Cache lookups by layer and result.", "layer", "result");

    /// <summary>The lookup series of a layer and result, resolved once (WithLabels allocates its label array).</summary>
    public Counter.Child Lookup(string layer, bool hit) => (layer, hit) switch
    {
        ("l1", true) => _l1Hit ??= Lookups.WithLabels("l1", "hit"),
        ("l1", false) => _l1Miss ??= Lookups.WithLabels("l1", "miss"),
        ("l2", true) => _l2Hit ??= Lookups.WithLabels("l2", "hit"),
        ("l2", false) => _l2Miss ??= Lookups.WithLabels("l2", "miss"),
        _ => Lookups.WithLabels(layer, hit ? "hit" : "miss"),
    };

    /// <summary>Invalidations by table.</summary>
    public Counter Invalidations { get; } = Metrics.CreateCounter("datatier_cache_invalidations_total", "Table invalidations caused by writes.", "table");

    /// <summary>Redis calls that failed or timed out.</summary>
    public Counter RedisErrors { get; } = Metrics.CreateCounter("datatier_cache_redis_errors_total", "Redis calls that failed or timed out (the cache failed open).");

    /// <summary>Breaks of the invalidation feed (a Redis connection failure).</summary>
    public Counter FeedBreaks { get; } = Metrics.CreateCounter("datatier_cache_feed_breaks_total", "Times the cache invalidation feed broke (Redis connection failures); hits check Redis until it is live again.");

    /// <summary>Age of the invalidation feed's newest heartbeat, or -1 while it is down.</summary>
    public Gauge FeedAge { get; } = Metrics.CreateGauge("datatier_cache_feed_age_seconds", "Seconds since the newest heartbeat that came back through the invalidation feed was sent; -1 while the feed is down.");

    /// <summary>Whether Redis is connected; absent while Redis is not configured (no series, no false alarm).</summary>
    public Gauge RedisUp { get; } = Metrics.CreateGauge("datatier_cache_redis_up", "1 while this instance is connected to Redis, 0 while it is not (the cache fails open to L1 and the database); absent when no Redis is configured.",
        new GaugeConfiguration { SuppressInitialValue = true });

    /// <summary>Hits decided by the version check they used.</summary>
    public Counter VersionChecks { get; } = Metrics.CreateCounter("datatier_cache_version_checks_total", "Cache reads by how their table versions were known: memory (fresh feed) or redis (a round trip).", "source");

    /// <summary>Reads whose versions came from memory (resolved once: a hit pays no label lookup).</summary>
    public Counter.Child VersionChecksMemory => _versionChecksMemory ??= VersionChecks.WithLabels("memory");

    /// <summary>Reads whose versions took a Redis round trip.</summary>
    public Counter.Child VersionChecksRedis => _versionChecksRedis ??= VersionChecks.WithLabels("redis");

    /// <summary>L1 evictions.</summary>
    public Counter Evictions { get; } = Metrics.CreateCounter("datatier_cache_l1_evictions_total", "Entries evicted from L1 for capacity.");

    /// <summary>Bytes held in L1.</summary>
    public Gauge L1Bytes { get; } = Metrics.CreateGauge("datatier_cache_l1_bytes", "Bytes held in L1.");

    /// <summary>Entries held in L1.</summary>
    public Gauge L1Entries { get; } = Metrics.CreateGauge("datatier_cache_l1_entries", "Entries held in L1.");
}
