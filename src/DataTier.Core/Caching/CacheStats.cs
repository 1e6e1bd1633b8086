using System.Collections.Concurrent;

namespace DataTier.Core.Caching;

/// <summary>What the cache did since start (or the last reset): per layer, per table and per statement shape.</summary>
public sealed class CacheStats
{
    private const int MaxShapes = 1000;
    private long _l1Hits, _l1Misses, _l2Hits, _l2Misses, _bypasses, _fills, _evictions, _invalidations, _redisErrors, _refreshes;
    private readonly ConcurrentDictionary<string, Counters> _tables = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counters> _shapes = new(StringComparer.Ordinal);

    /// <summary>Counts a lookup in a layer.</summary>
    public void Lookup(string layer, bool hit)
    {
        if (layer == "l1")
        {
            Interlocked.Increment(ref hit ? ref _l1Hits : ref _l1Misses);
        }
        else
        {
            Interlocked.Increment(ref hit ? ref _l2Hits : ref _l2Misses);
        }
    }

    /// <summary>Counts a read that was served (hit or miss) for its tables and shape.</summary>
    public void Served(System.Collections.Immutable.ImmutableArray<string> tables, string fingerprint, bool hit)
    {
        foreach (var table in tables)
        {
            _tables.GetOrAdd(table, static _ => new Counters()).Count(hit);
        }

        // ConcurrentDictionary.Count takes every bucket lock: only a shape not seen yet pays for it.
        if (_shapes.TryGetValue(fingerprint, out var shape))
        {
            shape.Count(hit);
        }
        else if (_shapes.Count < MaxShapes)
        {
            _shapes.GetOrAdd(fingerprint, static _ => new Counters()).Count(hit);
        }
    }

    /// <summary>Counts a read that skipped the cache.</summary>
    public void Bypass() => Interlocked.Increment(ref _bypasses);

    /// <summary>Counts a database execution that filled the cache.</summary>
    public void Fill() => Interlocked.Increment(ref _fills);

    /// <summary>Counts a background refresh.</summary>
    public void Refresh() => Interlocked.Increment(ref _refreshes);

    /// <summary>Counts an L1 eviction for capacity.</summary>
    public void Eviction() => Interlocked.Increment(ref _evictions);

    /// <summary>Counts a table invalidation.</summary>
    public void Invalidation(string table)
    {
        Interlocked.Increment(ref _invalidations);
        Interlocked.Increment(ref _tables.GetOrAdd(table, static _ => new Counters()).Invalidations);
    }

    /// <summary>Counts a failed Redis call.</summary>
    public void RedisError() => Interlocked.Increment(ref _redisErrors);

    /// <summary>A consistent-enough copy of the counters.</summary>
    public CacheStatsSnapshot Snapshot(long l1Entries, long l1Bytes, bool redisAvailable)
    {
        long l1h = Interlocked.Read(ref _l1Hits), l1m = Interlocked.Read(ref _l1Misses), l2h = Interlocked.Read(ref _l2Hits), l2m = Interlocked.Read(ref _l2Misses);
        long lookups = l1h + l1m;
        return new CacheStatsSnapshot(
            new LayerStats(l1h, l1m, Rate(l1h, l1m)),
            new LayerStats(l2h, l2m, Rate(l2h, l2m)),
            lookups == 0 ? 0 : (l1h + l2h) / (double)lookups,
            Interlocked.Read(ref _bypasses), Interlocked.Read(ref _fills), Interlocked.Read(ref _refreshes),
            l1Entries, l1Bytes, Interlocked.Read(ref _evictions), Interlocked.Read(ref _invalidations), Interlocked.Read(ref _redisErrors), redisAvailable,
            _tables.ToDictionary(kv => kv.Key, kv => kv.Value.ToStats(), StringComparer.Ordinal),
            _shapes.ToDictionary(kv => kv.Key, kv => kv.Value.ToStats(), StringComparer.Ordinal));
    }

    private static double Rate(long hits, long misses) => hits + misses == 0 ? 0 : hits / (double)(hits + misses);

    private sealed class Counters
    {
        public long Hits;
        public long Misses;
        public long Invalidations;

        public void Count(bool hit) => Interlocked.Increment(ref hit ? ref Hits : ref Misses);

        public ScopeStats ToStats() => new(Interlocked.Read(ref Hits), Interlocked.Read(ref Misses), Rate(Interlocked.Read(ref Hits), Interlocked.Read(ref Misses)), Interlocked.Read(ref Invalidations));
    }
}

/// <summary>Hits and misses of one layer.</summary>
public sealed record LayerStats(long Hits, long Misses, double HitRate);

/// <summary>Hits, misses and invalidations of a table or statement shape.</summary>
public sealed record ScopeStats(long Hits, long Misses, double HitRate, long Invalidations);

/// <summary>The cache's counters at one moment.</summary>
public sealed record CacheStatsSnapshot(
    LayerStats L1,
    LayerStats L2,
    double HitRate,
    long Bypasses,
    long Fills,
    long Refreshes,
    long Entries,
    long Bytes,
    long Evictions,
    long Invalidations,
    long RedisErrors,
    bool RedisAvailable,
    IReadOnlyDictionary<string, ScopeStats> Tables,
    IReadOnlyDictionary<string, ScopeStats> Statements);
