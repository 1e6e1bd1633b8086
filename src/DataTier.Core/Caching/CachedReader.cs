using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using DataTier.Core.Consistency;
using DataTier.Core.Execution;
using DataTier.Core.Topology;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Caching;

/// <summary>
/// Reads through the cache. A result is cached under a key that includes the versions of the tables it read, so a
/// write through any DataTier instance makes older entries unreachable; entries remember the LSN their rows were
/// read at, so session reads and reads right after a write never get rows older than they must see. Concurrent
/// misses on one key run the query once; hot entries are refreshed early with probabilistic early recomputation.
/// </summary>
public sealed partial class CachedReader
{
    private readonly DataService _data;
    private readonly QueryCache _cache;
    private readonly TableVersions _versions;
    private readonly StatementProfiler _profiler;
    private readonly TtlPolicy _ttl;
    private readonly CacheStats _stats;
    private readonly CacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CachedReader> _logger;
    private readonly Diagnostics.QueryDigest _digest;
    private readonly SingleFlight<Filled> _fills = new();
    private readonly SingleFlight<ScatterFilled> _scatterFills = new();
    private readonly WarmupSamples _samples;

    /// <summary>Creates the reader.</summary>
    public CachedReader(DataService data, QueryCache cache, TableVersions versions, StatementProfiler profiler, TtlPolicy ttl, CacheStats stats, IOptions<CacheOptions> options, TimeProvider time, ILogger<CachedReader> logger, Diagnostics.QueryDigest digest, WarmupSamples samples)
    {
        _digest = digest;
        _samples = samples;
        _data = data;
        _cache = cache;
        _versions = versions;
        _profiler = profiler;
        _ttl = ttl;
        _stats = stats;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Reads the key's shard through the cache.</summary>
    public async Task<ReadAnswer> QueryAsync(string shardKey, BoundStatement statement, ConsistencyLevel consistency, SessionToken? token, int maxRows, int timeoutMs, CacheMode mode, CancellationToken cancellationToken)
    {
        var shard = _data.ShardFor(shardKey);
        ulong tokenLsn = consistency == ConsistencyLevel.Session ? token?.LsnFor(shard.Id) ?? 0 : 0;
        if (!_options.Enabled || consistency == ConsistencyLevel.Strong || mode == CacheMode.Bypass)
        {
            _stats.Bypass();
            return Uncached(await _data.QueryShardAsync(shard, statement, consistency, tokenLsn, maxRows, timeoutMs, cancellationToken).ConfigureAwait(false));
        }

        var profile = await _profiler.GetAsync(ExplainNode(shard), statement, cancellationToken).ConfigureAwait(false);
        if (_ttl.For(profile, 0) <= TimeSpan.Zero)
        {
            // A table rule says never cache.
            _stats.Bypass();
            return Uncached(await _data.QueryShardAsync(shard, statement, consistency, tokenLsn, maxRows, timeoutMs, cancellationToken).ConfigureAwait(false));
        }

        _samples.Record(new WarmupSample(shardKey, statement, [], null, maxRows, timeoutMs));
        var versions = new (string Table, TableVersion Version)[profile.Tables.Length];
        ulong writeLsn = 0;
        for (int i = 0; i < versions.Length; i++)
        {
            var v = await _versions.GetAsync(shard.Id, profile.Tables[i]).ConfigureAwait(false);
            versions[i] = (profile.Tables[i], v);
            writeLsn = Math.Max(writeLsn, v.WriteLsn);
        }

        // Rows must include the caller's own writes (session) and every write DataTier has seen to these tables:
        // a miss right after a write must not be refilled from a replica that has not replayed it.
        ulong required = Math.Max(tokenLsn, writeLsn);
        string key = CacheKey.Compute(shard.Id, statement, maxRows, versions);
        long started = Stopwatch.GetTimestamp();
        if (mode == CacheMode.Auto)
        {
            var (entry, layer) = await _cache.GetAsync(key).ConfigureAwait(false);
            if (entry is not null && entry.Lsn >= required)
            {
                _stats.Served(profile.Tables, statement.Fingerprint, hit: true);
                MaybeRefreshAhead(key, entry, shard, statement, required, maxRows, timeoutMs, profile);
                var now = _time.GetUtcNow();
                _digest.Record(statement.FingerprintId, statement.Fingerprint, statement.Sql, shard.Id, Diagnostics.DigestRole.Cache, Stopwatch.GetElapsedTime(started).TotalMilliseconds, entry.RowCount, error: false, cacheHit: true);
                return new ReadAnswer(entry.RowsJson, entry.RowCount, entry.Truncated, entry.ShardId, "cache", null,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                    new CacheHitInfo(layer, (now - entry.CreatedAt).TotalMilliseconds, entry.Ttl.TotalSeconds, entry.Complexity));
            }
        }

        _stats.Served(profile.Tables, statement.Fingerprint, hit: false);
        var fill = mode == CacheMode.Refresh
            ? FillAsync(key, shard, statement, required, maxRows, timeoutMs, profile)
            : _fills.Run(key, () => FillOnceAsync(key, shard, statement, required, maxRows, timeoutMs, profile), out _);
        var filled = await fill.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (filled.Entry.Lsn < required)
        {
            // Joined a fill started for an older requirement: read on our own.
            filled = await FillAsync(key, shard, statement, required, maxRows, timeoutMs, profile).ConfigureAwait(false);
        }

        var e = filled.Entry;
        return new ReadAnswer(e.RowsJson, e.RowCount, e.Truncated, e.ShardId, filled.ServedBy, filled.NodeId, Stopwatch.GetElapsedTime(started).TotalMilliseconds, filled.Hit);
    }

    // A caller that missed just before another caller's fill finished (and left the in-flight map) finds the fresh
    // entry here instead of running the query again.
    private async Task<Filled> FillOnceAsync(string key, ShardDefinition shard, BoundStatement statement, ulong required, int maxRows, int timeoutMs, StatementProfile profile)
    {
        if (_cache.PeekL1(key) is { } fresh && fresh.Lsn >= required)
        {
            return new Filled(fresh, "cache", null, new CacheHitInfo("l1", (_time.GetUtcNow() - fresh.CreatedAt).TotalMilliseconds, fresh.Ttl.TotalSeconds, fresh.Complexity));
        }

        return await FillAsync(key, shard, statement, required, maxRows, timeoutMs, profile).ConfigureAwait(false);
    }

    private async Task<Filled> FillAsync(string key, ShardDefinition shard, BoundStatement statement, ulong required, int maxRows, int timeoutMs, StatementProfile profile)
    {
        // The fill outlives any one caller: a caller that gives up does not cancel the others' result.
        var outcome = await _data.QueryShardAsync(shard, statement, required > 0 ? ConsistencyLevel.Session : ConsistencyLevel.Eventual, required, maxRows, timeoutMs, CancellationToken.None).ConfigureAwait(false);
        _stats.Fill();
        var ttl = _ttl.For(profile, outcome.ElapsedMs);
        var entry = new CacheEntry(Encode(outcome.Result), outcome.Result.Rows.Count, outcome.Result.Truncated, shard.Id, outcome.Result.Lsn,
            _time.GetUtcNow(), ttl, outcome.ElapsedMs, profile.Complexity);
        if (ttl > TimeSpan.Zero && entry.RowsJson.Length <= _options.MaxEntryBytes && entry.Lsn >= required)
        {
            await _cache.SetAsync(key, entry).ConfigureAwait(false);
        }

        return new Filled(entry, outcome.Target.ServedBy, outcome.Target.Node.Id);
    }

    private sealed record Filled(CacheEntry Entry, string ServedBy, string? NodeId, CacheHitInfo? Hit = null);

    private void MaybeRefreshAhead(string key, CacheEntry entry, ShardDefinition shard, BoundStatement statement, ulong required, int maxRows, int timeoutMs, StatementProfile profile)
    {
        if (!DueForRefresh(entry))
        {
            return;
        }

        var refresh = _fills.Run(key, () => FillAsync(key, shard, statement, required, maxRows, timeoutMs, profile), out bool started);
        if (started)
        {
            // Nobody awaits a refresh: observe its failure here (the entry simply expires as it would have).
            _ = refresh.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            _stats.Refresh();
            Log.RefreshAhead(_logger, shard.Id);
        }
    }

    // XFetch (Vattani et al., VLDB 2015): recompute early with a probability that rises as expiry nears, scaled by
    // how long the recomputation takes, so instances need no coordination.
    private bool DueForRefresh(CacheEntry entry)
    {
        double deltaSeconds = entry.ExecutionMs / 1000.0;
        double early = deltaSeconds * _options.RefreshAheadBeta * -Math.Log(1.0 - Random.Shared.NextDouble());
        return _time.GetUtcNow().AddSeconds(early) >= entry.ExpiresAt;
    }

    private static NodeDefinition ExplainNode(ShardDefinition shard) => shard.Primary;

    private static ReadAnswer Uncached(ReadOutcome outcome) =>
        new(Encode(outcome.Result), outcome.Result.Rows.Count, outcome.Result.Truncated, outcome.ShardId, outcome.Target.ServedBy, outcome.Target.Node.Id, outcome.ElapsedMs, null);

    /// <summary>Encodes rows as the JSON array the API answers with.</summary>
    public static byte[] Encode(QueryResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ResultJsonWriter.WriteRows(writer, result);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, EventName = "RefreshAhead", Level = LogLevel.Debug, Message = "Refreshing a hot entry of shard {ShardId} ahead of expiry")]
        public static partial void RefreshAhead(ILogger logger, string shardId);
    }
}
