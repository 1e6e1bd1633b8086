namespace DataTier.Core.Caching;

/// <summary>How a read uses the cache.</summary>
public enum CacheMode
{
    /// <summary>Serve from cache when allowed, fill on a miss.</summary>
    Auto,

    /// <summary>Skip the cache entirely.</summary>
    Bypass,

    /// <summary>Run the query and replace the cached entry.</summary>
    Refresh,
}
