namespace DataTier.Core.Caching;

/// <summary>The query-result cache (<c>DataTier:Cache</c>).</summary>
public sealed class CacheOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Cache";

    /// <summary>Whether reads are cached at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Byte budget of the in-process cache (L1).</summary>
    public long L1MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Longest an entry lives in L1, whatever its TTL: the backstop for an invalidation message this instance
    /// missed while Redis was unreachable.
    /// </summary>
    public double L1MaxTtlSeconds { get; set; } = 30;

    /// <summary>Shortest TTL given to a cacheable result.</summary>
    public double MinTtlSeconds { get; set; } = 1;

    /// <summary>Longest TTL from the formula (table rules may exceed it).</summary>
    public double MaxTtlSeconds { get; set; } = 300;

    /// <summary>TTL of the simplest, fastest statement before the complexity and cost factors.</summary>
    public double BaseTtlSeconds { get; set; } = 2;

    /// <summary>Per-table TTL in seconds that overrides the formula; 0 means never cache reads of that table.</summary>
    public Dictionary<string, double> TableTtlSeconds { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Largest result cached (encoded bytes).</summary>
    public int MaxEntryBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Bound on every Redis call (ms); past it the call counts as failed and the cache fails open.</summary>
    public int RedisTimeoutMs { get; set; } = 250;

    /// <summary>
    /// The staleness bound of <c>auto</c> cache reads (ms): a hit may miss a write answered less than this long ago
    /// through another instance, never an older one. Hits are decided in memory while the invalidation feed proves
    /// itself this fresh; otherwise they read the versions from Redis. <c>fresh</c> reads always read them.
    /// </summary>
    public int MaxStalenessMs { get; set; } = 50;

    /// <summary>How often each instance sends the heartbeat that proves its invalidation feed fresh (ms).</summary>
    public int HeartbeatIntervalMs { get; set; } = 5;

    /// <summary>XFetch's beta: above 1 refreshes earlier, below 1 later.</summary>
    public double RefreshAheadBeta { get; set; } = 1.0;

    /// <summary>Statement shapes whose plan profile is remembered.</summary>
    public int MaxProfiles { get; set; } = 10_000;
}
