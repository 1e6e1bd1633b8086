using System.Collections.Concurrent;
using DataTier.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DataTier.Core.Caching;

/// <summary>
/// Per (shard, table) versions that are part of every cache key, so a result cached before a write is unreachable
/// after it. A write bumps the version in Redis and publishes it in one atomic script. Each instance keeps the
/// versions in memory, fed by that pub/sub channel, and proves the feed fresh with heartbeats of its own sent
/// through the same channel (<see cref="TableVersions"/>.Feed): while the last heartbeat back was sent less than
/// <see cref="CacheOptions.MaxStalenessMs"/> ago, a hit is decided from memory with no round trip; otherwise, and
/// for <see cref="CacheMode.Fresh"/> reads, the version is read from Redis as it is now.
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

    // On a cluster the same scripts publish on the partition's sharded channel, which shares the key's slot.
    private static readonly string ClusterBumpScript = BumpScript.Replace("'PUBLISH'", "'SPUBLISH'", StringComparison.Ordinal);
    private static readonly string ClusterMergeScript = MergeScript.Replace("'PUBLISH'", "'SPUBLISH'", StringComparison.Ordinal);

    private readonly ConcurrentDictionary<(string Shard, string Table), TrackedVersion> _local = new();
    private readonly ConcurrentDictionary<(string Shard, string Table), FreshRead<TableVersion>> _fetches = new();
    private readonly RedisConnection _redis;
    private readonly CacheMetrics _metrics;
    private readonly CacheStats _stats;
    private readonly CacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TableVersions> _logger;
    private readonly FeedLayout _layout;
    private readonly string _bumpScript;
    private readonly string _mergeScript;

    /// <summary>Creates the store, subscribes to invalidation messages and starts the heartbeat.</summary>
    public TableVersions(RedisConnection redis, CacheMetrics metrics, CacheStats stats, IOptions<CacheOptions> options, TimeProvider time, ILogger<TableVersions> logger)
    {
        _redis = redis;
        _metrics = metrics;
        _stats = stats;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _layout = new FeedLayout(redis.Prefix, redis.IsCluster);
        _bumpScript = _layout.IsCluster ? ClusterBumpScript : BumpScript;
        _mergeScript = _layout.IsCluster ? ClusterMergeScript : MergeScript;
        _partitionLiveEpoch = new int[_layout.Channels.Length];
        _partitionFreshAsOf = new long[_layout.Channels.Length];
        Array.Fill(_partitionLiveEpoch, -1);
        _staleAfterTicks = (long)(_options.MaxStalenessMs * System.Diagnostics.Stopwatch.Frequency / 1000.0);
        if (redis.Multiplexer is { } mux)
        {
            StartFeed(mux);
        }
    }

    /// <summary>
    /// Whether versions come from a shared Redis at all. Without one (not configured), this instance's versions are
    /// the only ones, and L1's short TTL bounds what another instance's writes can leave stale.
    /// </summary>
    public bool IsShared => _redis.IsConfigured;

    /// <summary>
    /// The version of a table on a shard from memory, when the feed proves it current within the staleness bound:
    /// every write whose invalidation completed more than <see cref="CacheOptions.MaxStalenessMs"/> ago is in it.
    /// False when the feed is stale or broken, or the pair has not been read since the feed last (re)started.
    /// </summary>
    public bool TryGetCurrent(string shard, string table, out TableVersion version)
    {
        if (!_redis.IsConfigured)
        {
            version = _local.TryGetValue((shard, table), out var only) ? only.Version : default;
            return true;
        }

        if (_local.TryGetValue((shard, table), out var tracked) && tracked.Epoch == Volatile.Read(ref _epoch) && FeedIsFresh())
        {
            version = tracked.Version;
            return true;
        }

        version = default;
        return false;
    }

    /// <summary>
    /// The version of a table on a shard as Redis holds it now: every write that completed before this call is
    /// reflected, whichever instance made it. Concurrent callers share Redis reads that started after they arrived
    /// (<see cref="FreshRead{T}"/>), so a burst costs a couple of round trips, not one each. <c>Trusted</c> is false
    /// when Redis could not be read: the value is this instance's own knowledge and may miss other instances' writes.
    /// </summary>
    public async ValueTask<(TableVersion Version, bool Trusted)> ReadAsync(string shard, string table)
    {
        var key = (shard, table);
        if (!_redis.IsConfigured)
        {
            return (_local.TryGetValue(key, out var only) ? only.Version : default, true);
        }

        if (_redis.Database is null)
        {
            return (_local.TryGetValue(key, out var known) ? known.Version : default, false);
        }

        // Taken before the read is sent: the value is current for as long as the subscription that was live then lasts.
        int epoch = Volatile.Read(ref _epoch);
        bool live = Volatile.Read(ref _liveEpoch) == epoch;
        var fetch = _fetches.GetOrAdd(key, static (k, self) => new FreshRead<TableVersion>(() => self.ReadRemoteAsync(k)), this);
        try
        {
            var remote = await fetch.ReadAsync().ConfigureAwait(false);
            int tracking = live && Volatile.Read(ref _epoch) == epoch ? epoch : -1;
            // Most reads find nothing new: write (which locks the key's bucket) only when something changes.
            if (_local.TryGetValue(key, out var local) && local.Version.Version >= remote.Version && local.Version.WriteLsn >= remote.WriteLsn
                && (local.Epoch == tracking || tracking < 0))
            {
                return (local.Version, true);
            }

            var merged = _local.AddOrUpdate(key, static (_, s) => new TrackedVersion(s.remote, s.tracking),
                static (_, known, s) => new TrackedVersion(known.Version.Max(s.remote), s.tracking >= 0 ? s.tracking : known.Epoch), (remote, tracking));
            return (merged.Version, true);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.RedisErrors.Inc();
            _stats.RedisError();
            Log.RedisCallFailed(_logger, "version read", ex.GetType().Name);
            return (_local.TryGetValue(key, out var known) ? known.Version : default, false);
        }
    }

    // The connection is looked up per read: the one a reader was made with may have been replaced since.
    private async Task<TableVersion> ReadRemoteAsync((string Shard, string Table) key)
    {
        var db = _redis.Database ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "Redis is not connected.");
        var values = await db.HashGetAsync(_layout.VersionKey(_layout.Partition(key.Shard, key.Table), key.Shard, key.Table), ["v", "l"]).ConfigureAwait(false);
        return new TableVersion(values[0].HasValue ? (long)values[0] : 0, values[1].HasValue ? (ulong)(long)values[1] : 0);
    }

    /// <summary>
    /// Records a committed write to tables of a shard, here and (through Redis) in every instance. When this returns,
    /// this instance serves no entry older than the write, and every instance whose feed is fresh learns of it within
    /// the staleness bound.
    /// </summary>
    public async Task BumpAsync(string shard, IEnumerable<string> tables, ulong commitLsn)
    {
        foreach (var table in tables)
        {
            var key = (shard, table);
            // Locally at once: this instance's next read must not find the entry the write made stale. The pair's
            // tracking epoch is kept (a local bump says nothing about what other instances wrote).
            _local.AddOrUpdate(key, static (_, lsn) => new TrackedVersion(new TableVersion(1, lsn), -1),
                static (_, v, lsn) => new TrackedVersion(new TableVersion(v.Version.Version + 1, Math.Max(v.Version.WriteLsn, lsn)), v.Epoch), commitLsn);
            _metrics.Invalidations.WithLabels(table).Inc();
            _stats.Invalidation(table);
            if (_redis.Database is { } db)
            {
                try
                {
                    int partition = _layout.Partition(shard, table);
                    var remote = (long)await db.ScriptEvaluateAsync(_bumpScript, [_layout.VersionKey(partition, shard, table)],
                        [(long)commitLsn, _layout.Channels[partition].ToString(), shard + "\t" + table]).ConfigureAwait(false);
                    var heard = new TableVersion(remote, commitLsn);
                    _local.AddOrUpdate(key, static (_, h) => new TrackedVersion(h, -1), static (_, v, h) => v.Merge(h), heard);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    _metrics.RedisErrors.Inc();
                    _stats.RedisError();
                    Log.RedisCallFailed(_logger, "version bump", ex.GetType().Name);
                }
            }
        }
    }

    /// <summary>Bumps every known table of every shard (an admin "invalidate all").</summary>
    public Task BumpAllAsync() => Task.WhenAll(_local.Keys.GroupBy(k => k.Shard).Select(g => BumpAsync(g.Key, g.Select(k => k.Table), 0)));

    /// <summary>The (shard, table) pairs this instance knows.</summary>
    public IEnumerable<(string Shard, string Table, TableVersion Version)> Known => _local.Select(kv => (kv.Key.Shard, kv.Key.Table, kv.Value.Version));

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.RedisCallFailed, EventName = "RedisCallFailed", Level = LogLevel.Warning, Message = "Redis {Operation} failed ({ExceptionType}); continuing without it")]
        public static partial void RedisCallFailed(ILogger logger, string operation, string exceptionType);

        [LoggerMessage(EventId = LogEventIds.CacheFeedBroken, EventName = "CacheFeedBroken", Level = LogLevel.Warning, Message = "The cache invalidation feed broke ({Reason}); hits check Redis until a heartbeat comes back")]
        public static partial void FeedBroken(ILogger logger, string reason);

        [LoggerMessage(EventId = LogEventIds.CacheFeedLive, EventName = "CacheFeedLive", Level = LogLevel.Information, Message = "The cache invalidation feed is live (epoch {Epoch})")]
        public static partial void FeedLive(ILogger logger, int epoch);
    }
}
