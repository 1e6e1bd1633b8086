namespace DataTier.Core.Caching;

/// <summary>How a read uses the cache.</summary>
public enum CacheMode
{
    /// <summary>
    /// Serve from cache when allowed, fill on a miss. A hit may miss a write answered through another instance less
    /// than <see cref="CacheOptions.MaxStalenessMs"/> ago.
    /// </summary>
    Auto,

    /// <summary>Serve from cache only what reflects every write answered before the read began (a Redis round trip per hit).</summary>
    Fresh,

    /// <summary>Skip the cache entirely.</summary>
    Bypass,

    /// <summary>Run the query and replace the cached entry.</summary>
    Refresh,
}
