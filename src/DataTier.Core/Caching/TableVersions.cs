using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace DataTier.Core.Caching;

/// <summary>
/// Per (shard, table) versions that are part of every cache key, so a result cached before a write can never be
/// read after it. A write bumps the version in Redis (and publishes it) in one atomic script; a read takes the
/// version Redis holds when the read arrives, so a write through any instance that completed before a read is never
/// missed (pub/sub alone would leave a window in which another instance still serves its old L1 entry). Without
/// Redis the versions are local, and L1's short TTL bounds what another instance's writes can leave stale.
/// </summary>
public sealed partial class TableVersions : IDisposable
{
    // Bumps the version, keeps the highest write LSN, and publishes, atomically: a subscriber never sees a
    // version that Redis does not hold yet.
    private const string BumpScript =
        """
        local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
        local l = tonumber(redis.call('HGET', KEYS[1], 'l') or '0')
        if tonumber(ARGV[1]) > l then redis.call('HSET', KEYS[1], 'l', ARGV[1]) end
        redis.call('PUBLISH', ARGV[2], ARGV[3] .. '\t' .. v .. '\t' .. ARGV[1])
        return v
        """;

    // After an outage, pushes what this instance bumped locally so the others learn of it.
    private const string MergeScript =
        """
        local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
        local l = tonumber(redis.call('HGET', KEYS[1], 'l') or '0')
        local nv = math.max(v, tonumber(ARGV[1]))
        local nl = math.max(l, tonumber(ARGV[2]))
        redis.call('HSET', KEYS[1], 'v', nv, 'l', nl)
        if nv ~= v or nl ~= l then redis.call('PUBLISH', ARGV[3], ARGV[4] .. '\t' .. nv .. '\t' .. nl) end
        return nv
        """;

    private readonly ConcurrentDictionary<(string Shard, string Table), TableVersion> _local = new();
    private readonly ConcurrentDictionary<(string Shard, string Table), FreshRead<TableVersion>> _fetches = new();
    private readonly RedisConnection _redis;
    private readonly CacheMetrics _metrics;
    private readonly CacheStats _stats;
    private readonly ILogger<TableVersions> _logger;
    private readonly RedisChannel _channel;

    /// <summary>Creates the store and subscribes to invalidation messages.</summary>
    public TableVersions(RedisConnection redis, CacheMetrics metrics, CacheStats stats, ILogger<TableVersions> logger)
    {
        _redis = redis;
        _metrics = metrics;
        _stats = stats;
        _logger = logger;
        _channel = RedisChannel.Literal(redis.Prefix + "invalidate");
        if (redis.Multiplexer is { } mux)
        {
            // Asynchronous and never thrown: Redis may be down at start-up, and the multiplexer re-subscribes by itself
            // when it reconnects.
            _ = SubscribeAsync(mux);
            redis.Restored += () => _ = ResyncAsync();
        }
    }

    /// <summary>Raised when a table's version changes (locally or from another instance).</summary>
    public event Action<string, string>? Changed;

    /// <summary>
    /// The version of a table on a shard as Redis holds it now: every write that completed before this call is
    /// reflected, whichever instance made it. Concurrent callers share Redis reads that started after they arrived
    /// (<see cref="FreshRead{T}"/>), so a burst of cache hits costs a couple of round trips, not one each. Without Redis, the
    /// local versions (this instance's writes and what it heard) are used, and L1's short TTL bounds the rest.
    /// </summary>
    public async ValueTask<TableVersion> GetAsync(string shard, string table)
    {
        var key = (shard, table);
        if (_redis.Database is null)
        {
            return _local.GetValueOrDefault(key);
        }

        var fetch = _fetches.GetOrAdd(key, static (k, self) => new FreshRead<TableVersion>(() => self.ReadAsync(k)), this);
        try
        {
            var remote = await fetch.ReadAsync().ConfigureAwait(false);
            // Every cache hit passes here: write (which locks the key's bucket) only when Redis knows something newer.
            if (_local.TryGetValue(key, out var local) && local.Version >= remote.Version && local.WriteLsn >= remote.WriteLsn)
            {
                return local;
            }

            return _local.AddOrUpdate(key, remote, (_, known) => known.Max(remote));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.RedisErrors.Inc();
            _stats.RedisError();
            Log.RedisCallFailed(_logger, "version read", ex.GetType().Name);
            return _local.GetValueOrDefault(key);
        }
    }

    // The connection is looked up per read: the one a reader was made with may have been replaced since.
    private async Task<TableVersion> ReadAsync((string Shard, string Table) key)
    {
        var db = _redis.Database ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "Redis is not connected.");
        var values = await db.HashGetAsync(RedisKey(key.Shard, key.Table), ["v", "l"]).ConfigureAwait(false);
        return new TableVersion(values[0].HasValue ? (long)values[0] : 0, values[1].HasValue ? (ulong)(long)values[1] : 0);
    }

    /// <summary>Records a committed write to tables of a shard, here and (through Redis) in every instance.</summary>
    public async Task BumpAsync(string shard, IEnumerable<string> tables, ulong commitLsn)
    {
        foreach (var table in tables)
        {
            var key = (shard, table);
            _local.AddOrUpdate(key, new TableVersion(1, commitLsn), (_, v) => new TableVersion(v.Version + 1, Math.Max(v.WriteLsn, commitLsn)));
            _metrics.Invalidations.WithLabels(table).Inc();
            _stats.Invalidation(table);
            if (_redis.Database is { } db)
            {
                try
                {
                    var remote = (long)await db.ScriptEvaluateAsync(BumpScript, [RedisKey(shard, table)],
                        [(long)commitLsn, _channel.ToString(), shard + "\t" + table]).ConfigureAwait(false);
                    _local.AddOrUpdate(key, new TableVersion(remote, commitLsn), (_, v) => v.Max(new TableVersion(remote, commitLsn)));
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    _metrics.RedisErrors.Inc();
                    _stats.RedisError();
                    Log.RedisCallFailed(_logger, "version bump", ex.GetType().Name);
                }
            }

            Changed?.Invoke(shard, table);
        }
    }

    /// <summary>Bumps every known table of every shard (an admin "invalidate all").</summary>
    public Task BumpAllAsync() => Task.WhenAll(_local.Keys.GroupBy(k => k.Shard).Select(g => BumpAsync(g.Key, g.Select(k => k.Table), 0)));

    /// <summary>The (shard, table) pairs this instance knows.</summary>
    public IEnumerable<(string Shard, string Table, TableVersion Version)> Known => _local.Select(kv => (kv.Key.Shard, kv.Key.Table, kv.Value));

    private void OnMessage(RedisValue message)
    {
        var parts = ((string?)message)?.Split('\t');
        if (parts is not { Length: 4 }
            || !long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out long version)
            || !ulong.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong lsn))
        {
            return;
        }

        var heard = new TableVersion(version, lsn);
        _local.AddOrUpdate((parts[0], parts[1]), heard, (_, v) => v.Max(heard));
        Changed?.Invoke(parts[0], parts[1]);
    }

    private async Task ResyncAsync()
    {
        if (_redis.Database is not { } db)
        {
            return;
        }

        foreach (var (key, version) in _local.ToArray())
        {
            try
            {
                long remote = (long)await db.ScriptEvaluateAsync(MergeScript, [RedisKey(key.Shard, key.Table)],
                    [version.Version, (long)version.WriteLsn, _channel.ToString(), key.Shard + "\t" + key.Table]).ConfigureAwait(false);
                var values = await db.HashGetAsync(RedisKey(key.Shard, key.Table), ["v", "l"]).ConfigureAwait(false);
                var merged = new TableVersion(remote, values[1].HasValue ? (ulong)(long)values[1] : version.WriteLsn);
                _local.AddOrUpdate(key, merged, (_, v) => v.Max(merged));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _metrics.RedisErrors.Inc();
                _stats.RedisError();
                Log.RedisCallFailed(_logger, "version resync", ex.GetType().Name);
                return;
            }
        }
    }

    private RedisKey RedisKey(string shard, string table) => _redis.Prefix + "tv:" + shard + ":" + table;

    private async Task SubscribeAsync(StackExchange.Redis.ConnectionMultiplexer mux)
    {
        try
        {
            await mux.GetSubscriber().SubscribeAsync(_channel, (_, message) => OnMessage(message)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.RedisErrors.Inc();
            _stats.RedisError();
            Log.RedisCallFailed(_logger, "subscribe", ex.GetType().Name);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Fire and forget: the connection closes right after, which ends the subscription anyway.
        _redis.Multiplexer?.GetSubscriber().Unsubscribe(_channel, flags: CommandFlags.FireAndForget);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3003, EventName = "RedisCallFailed", Level = LogLevel.Warning, Message = "Redis {Operation} failed ({ExceptionType}); continuing without it")]
        public static partial void RedisCallFailed(ILogger logger, string operation, string exceptionType);
    }
}
