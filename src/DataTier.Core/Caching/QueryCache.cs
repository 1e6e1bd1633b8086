using DataTier.Core.Diagnostics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DataTier.Core.Caching;

/// <summary>
/// The two cache layers: L1 in process (byte budget, LRU-ish eviction, a short TTL backstop) and L2 in Redis.
/// Redis failures are counted and logged, never thrown: the cache fails open to L1 and the database.
/// </summary>
public sealed partial class QueryCache : IDisposable
{
    private readonly MemoryCache _l1;
    private readonly RedisConnection _redis;
    private readonly CacheOptions _options;
    private readonly CacheStats _stats;
    private readonly CacheMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<QueryCache> _logger;
    private long _l1Bytes;
    private long _l1Entries;

    /// <summary>Creates the layers.</summary>
    public QueryCache(RedisConnection redis, IOptions<CacheOptions> options, CacheStats stats, CacheMetrics metrics, TimeProvider time, ILogger<QueryCache> logger)
    {
        _redis = redis;
        _options = options.Value;
        _stats = stats;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _l1 = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.L1MaxBytes, CompactionPercentage = 0.1, ExpirationScanFrequency = TimeSpan.FromSeconds(5) });
    }

    /// <summary>Entries and bytes in L1.</summary>
    public (long Entries, long Bytes) L1Usage => (Interlocked.Read(ref _l1Entries), Interlocked.Read(ref _l1Bytes));

    /// <summary>Whether L2 is reachable now.</summary>
    public bool RedisAvailable => _redis.IsAvailable;

    /// <summary>Looks a key up in L1 only, counting the lookup (the synchronous hit path).</summary>
    public bool TryGetL1(string key, out CacheEntry entry)
    {
        if (_l1.TryGetValue(key, out CacheEntry? local) && local is not null && local.ExpiresAt > _time.GetUtcNow())
        {
            Count("l1", true);
            entry = local;
            return true;
        }

        entry = null!;
        return false;
    }

    /// <summary>Looks a key up in L1 then L2 (promoting an L2 hit into L1).</summary>
    public async ValueTask<(CacheEntry? Entry, string Layer)> GetAsync(string key)
    {
        var now = _time.GetUtcNow();
        if (_l1.TryGetValue(key, out CacheEntry? local) && local is not null && local.ExpiresAt > now)
        {
            Count("l1", true);
            return (local, "l1");
        }

        Count("l1", false);
        if (_redis.Database is not { } db)
        {
            return (null, "none");
        }

        try
        {
            var value = await db.StringGetAsync(_redis.Prefix + "q:" + key).ConfigureAwait(false);
            if (value.HasValue && CacheEntry.Decode((byte[])value!) is { } entry && entry.ExpiresAt > now)
            {
                Count("l2", true);
                SetL1(key, entry, now);
                return (entry, "l2");
            }

            Count("l2", false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            RedisFailed("get", ex);
        }

        return (null, "none");
    }

    /// <summary>An unexpired L1 entry, without counting a lookup (for re-checks inside a coalesced fill).</summary>
    public CacheEntry? PeekL1(string key) =>
        _l1.TryGetValue(key, out CacheEntry? entry) && entry is not null && entry.ExpiresAt > _time.GetUtcNow() ? entry : null;

    /// <summary>Stores an entry in both layers.</summary>
    public async Task SetAsync(string key, CacheEntry entry)
    {
        var now = _time.GetUtcNow();
        SetL1(key, entry, now);
        if (_redis.Database is not { } db)
        {
            return;
        }

        try
        {
            var ttl = entry.ExpiresAt - now;
            if (ttl > TimeSpan.Zero)
            {
                await db.StringSetAsync(_redis.Prefix + "q:" + key, entry.Encode(), ttl).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            RedisFailed("set", ex);
        }
    }

    /// <summary>Removes one key from both layers.</summary>
    public async Task RemoveAsync(string key)
    {
        _l1.Remove(key);
        if (_redis.Database is { } db)
        {
            try
            {
                await db.KeyDeleteAsync(_redis.Prefix + "q:" + key).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                RedisFailed("delete", ex);
            }
        }
    }

    /// <summary>Drops every L1 entry (L2 entries become unreachable through version bumps).</summary>
    public void ClearL1() => _l1.Compact(1.0);

    private void SetL1(string key, CacheEntry entry, DateTimeOffset now)
    {
        var l1Ttl = TimeSpan.FromSeconds(Math.Min(_options.L1MaxTtlSeconds, (entry.ExpiresAt - now).TotalSeconds));
        if (l1Ttl <= TimeSpan.Zero)
        {
            return;
        }

        long size = entry.Size;
        var options = new MemoryCacheEntryOptions { Size = size, AbsoluteExpirationRelativeToNow = l1Ttl };
        options.RegisterPostEvictionCallback(static (_, value, reason, state) =>
        {
            var self = (QueryCache)state!;
            if (reason == EvictionReason.Replaced || value is not CacheEntry evicted)
            {
                if (value is CacheEntry replaced)
                {
                    self.Track(-replaced.Size, -1);
                }

                return;
            }

            self.Track(-evicted.Size, -1);
            if (reason == EvictionReason.Capacity)
            {
                self._stats.Eviction();
                self._metrics.Evictions.Inc();
            }
        }, this);
        Track(size, 1);
        _l1.Set(key, entry, options);
    }

    private void Track(long bytes, long entries)
    {
        _metrics.L1Bytes.Set(Interlocked.Add(ref _l1Bytes, bytes));
        _metrics.L1Entries.Set(Interlocked.Add(ref _l1Entries, entries));
    }

    private void Count(string layer, bool hit)
    {
        _stats.Lookup(layer, hit);
        _metrics.Lookup(layer, hit).Inc();
    }

    private void RedisFailed(string operation, Exception ex)
    {
        _stats.RedisError();
        _metrics.RedisErrors.Inc();
        Log.RedisCallFailed(_logger, operation, ex.GetType().Name);
    }

    /// <inheritdoc />
    public void Dispose() => _l1.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.CacheRedisCallFailed, EventName = "CacheRedisCallFailed", Level = LogLevel.Warning, Message = "Redis cache {Operation} failed ({ExceptionType}); serving from L1 and the database")]
        public static partial void RedisCallFailed(ILogger logger, string operation, string exceptionType);
    }
}
