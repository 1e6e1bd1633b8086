using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using DataTier.Core.Consistency;
using DataTier.Core.DataPath;
using DataTier.Core.Diagnostics;
using DataTier.Core.Errors;
using DataTier.Core.Execution;
using DataTier.Core.Topology;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Caching;

/// <summary>
/// Reads through the cache. A result is cached under a key that includes the versions of the tables it read, so a
/// write through any DataTier instance makes older entries unreachable; entries remember the LSN their rows were
/// read at, so session reads and reads right after a write never get rows older than they must see. A hit whose
/// versions are known in memory (a fresh invalidation feed) and whose entry is in L1 is answered synchronously;
/// anything else goes asynchronous. Concurrent misses on one key run the query once; hot entries are refreshed
/// early with probabilistic early recomputation.
/// </summary>
public sealed partial class CachedReader
{
    private readonly ITopologyProvider _topology;
    private readonly ShardReader _reader;
    private readonly ScatterReader _scatter;
    private readonly QueryCache _cache;
    private readonly TableVersions _versions;
    private readonly StatementProfiler _profiler;
    private readonly TtlPolicy _ttl;
    private readonly CacheStats _stats;
    private readonly CacheMetrics _metrics;
    private readonly CacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CachedReader> _logger;
    private readonly Diagnostics.QueryDigest _digest;
    private readonly SingleFlight<Filled> _fills = new();
    private readonly SingleFlight<ScatterFilled> _scatterFills = new();
    private readonly WarmupSamples _samples;

    private const int MaxKeptEncodeBuffer = 256 * 1024;

    [ThreadStatic]
    private static (string Table, TableVersion Version)[]? t_versions;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_encodeBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_encodeWriter;

    /// <summary>Creates the reader.</summary>
    public CachedReader(ITopologyProvider topology, ShardReader reader, ScatterReader scatter, QueryCache cache, TableVersions versions, StatementProfiler profiler, TtlPolicy ttl, CacheStats stats, CacheMetrics metrics, IOptions<CacheOptions> options, TimeProvider time, ILogger<CachedReader> logger, Diagnostics.QueryDigest digest, WarmupSamples samples)
    {
        _topology = topology;
        _reader = reader;
        _scatter = scatter;
        _digest = digest;
        _samples = samples;
        _cache = cache;
        _versions = versions;
        _profiler = profiler;
        _ttl = ttl;
        _stats = stats;
        _metrics = metrics;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Reads the key's shard through the cache; a hit decided in memory completes synchronously.</summary>
    public ValueTask<ReadAnswer> ReadAsync(ReadRequest request, CancellationToken cancellationToken)
    {
        // Untraced, a read is what it was: one field read decides, no span, no state machine of its own.
        return DataTierTracing.Enabled ? new ValueTask<ReadAnswer>(ReadTracedAsync(request, cancellationToken)) : ReadCoreAsync(request, cancellationToken);
    }

    // The read inside a span naming its route and the cache's outcome; the cache lookup and the shard query are its children.
    private async Task<ReadAnswer> ReadTracedAsync(ReadRequest request, CancellationToken cancellationToken)
    {
        using var activity = DataTierTracing.Source.StartActivity(DataTierTracing.Spans.Read);
        try
        {
            var answer = await ReadCoreAsync(request, cancellationToken).ConfigureAwait(false);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(DataTierTracing.Tags.ShardId, answer.ShardId);
                activity.SetTag(DataTierTracing.Tags.Consistency, request.Consistency.ToString());
                activity.SetTag(DataTierTracing.Tags.DbQueryText, request.Statement.Fingerprint);
                // UncachedAsync marked a bypass already; otherwise the answer says whether the cache served it.
                if (activity.GetTagItem(DataTierTracing.Tags.CacheOutcome) is null)
                {
                    activity.SetTag(DataTierTracing.Tags.CacheOutcome, answer.Cache is null ? DataTierTracing.CacheOutcomes.Miss : DataTierTracing.CacheOutcomes.Hit);
                }

                if (answer.Cache is { } hit)
                {
                    activity.SetTag(DataTierTracing.Tags.CacheLayer, hit.Layer);
                }

                if (answer.NodeId is { } node)
                {
                    activity.SetTag(DataTierTracing.Tags.NodeId, node);
                }
            }

            return answer;
        }
        catch (DataTierException ex)
        {
            DataTierTracing.Fail(activity, ex);
            throw;
        }
    }

    private ValueTask<ReadAnswer> ReadCoreAsync(ReadRequest request, CancellationToken cancellationToken)
    {
        var shard = _topology.Current.Route(request.ShardKey);
        if (!_options.Enabled || request.Consistency == ConsistencyLevel.Strong || request.Cache == CacheMode.Bypass)
        {
            _stats.Bypass();
            return new ValueTask<ReadAnswer>(UncachedAsync(shard, request, cancellationToken));
        }

        if (request.Cache != CacheMode.Auto || !_profiler.TryGet(request.Statement, out var profile) || TryHitInMemory(shard, request, profile) is not { } hit)
        {
            return new ValueTask<ReadAnswer>(ReadSlowAsync(shard, request, cancellationToken));
        }

        return new ValueTask<ReadAnswer>(hit);
    }

    // The synchronous path: versions from a fresh feed, the entry from L1. Null sends the read the long way.
    private ReadAnswer? TryHitInMemory(ShardDefinition shard, ReadRequest request, StatementProfile profile)
    {
        if (_ttl.For(profile, 0) <= TimeSpan.Zero)
        {
            return null;
        }

        var tables = profile.Tables;
        // A per-thread scratch array: the versions only feed the key, computed before anything can await.
        var versions = t_versions is { } scratch && scratch.Length >= tables.Length ? scratch : t_versions = new (string, TableVersion)[Math.Max(4, tables.Length)];
        ulong writeLsn = 0;
        for (int i = 0; i < tables.Length; i++)
        {
            if (!_versions.TryGetCurrent(shard.Id, tables[i], out var v))
            {
                return null;
            }

            versions[i] = (tables[i], v);
            writeLsn = Math.Max(writeLsn, v.WriteLsn);
        }

        long started = Stopwatch.GetTimestamp();
        ulong required = Math.Max(TokenLsn(shard, request), writeLsn);
        string key = CacheKey.Compute(shard.Id, request.Statement, request.MaxRows, versions.AsSpan(0, tables.Length));
        if (_cache.TryGetL1(key, out var entry) && entry.Lsn >= required && entry.CreatedAt >= _versions.TrustEntriesFrom)
        {
            _metrics.VersionChecksMemory.Inc();
            return Served(key, shard, request, profile, entry, "l1", required, started);
        }

        return null;
    }

    private async Task<ReadAnswer> ReadSlowAsync(ShardDefinition shard, ReadRequest request, CancellationToken cancellationToken)
    {
        var statement = request.Statement;
        StatementProfile profile;
        try
        {
            profile = await _profiler.GetAsync(ExplainNode(shard), statement, cancellationToken).ConfigureAwait(false);
        }
        catch (DataTierException ex) when (ServableWithoutPrimary(request, ex))
        {
            // A statement not profiled yet, and the primary (where EXPLAIN runs) is down: the replica still answers.
            _stats.Bypass();
            return await UncachedAsync(shard, request, cancellationToken).ConfigureAwait(false);
        }

        if (_ttl.For(profile, 0) <= TimeSpan.Zero)
        {
            // A table rule says never cache.
            _stats.Bypass();
            return await UncachedAsync(shard, request, cancellationToken).ConfigureAwait(false);
        }

        var versions = new (string Table, TableVersion Version)[profile.Tables.Length];
        ulong writeLsn = 0;
        bool trusted = true;
        bool inMemory = request.Cache != CacheMode.Fresh;
        for (int i = 0; i < versions.Length; i++)
        {
            if (!inMemory || !_versions.TryGetCurrent(shard.Id, profile.Tables[i], out var v))
            {
                inMemory = false;
                (v, bool known) = await _versions.ReadAsync(shard.Id, profile.Tables[i]).ConfigureAwait(false);
                trusted &= known;
            }

            versions[i] = (profile.Tables[i], v);
            writeLsn = Math.Max(writeLsn, v.WriteLsn);
        }

        (inMemory ? _metrics.VersionChecksMemory : _metrics.VersionChecksRedis).Inc();
        // Rows must include the caller's own writes (session) and every write DataTier has seen to these tables:
        // a miss right after a write must not be refilled from a replica that has not replayed it.
        ulong required = Math.Max(TokenLsn(shard, request), writeLsn);
        string key = CacheKey.Compute(shard.Id, statement, request.MaxRows, versions);
        long started = Stopwatch.GetTimestamp();
        if (request.Cache is CacheMode.Auto or CacheMode.Fresh)
        {
            using var lookup = DataTierTracing.Source.StartActivity(DataTierTracing.Spans.CacheLookup);
            var (entry, layer) = await _cache.GetAsync(key).ConfigureAwait(false);
            bool servable = entry is not null && entry.Lsn >= required && Servable(entry, trusted);
            if (lookup is { IsAllDataRequested: true })
            {
                lookup.SetTag(DataTierTracing.Tags.ShardId, shard.Id);
                lookup.SetTag(DataTierTracing.Tags.CacheOutcome, servable ? DataTierTracing.CacheOutcomes.Hit : DataTierTracing.CacheOutcomes.Miss);
                lookup.SetTag(DataTierTracing.Tags.RequiredLsn, (long)required);
                if (servable)
                {
                    lookup.SetTag(DataTierTracing.Tags.CacheLayer, layer);
                }
            }

            if (servable)
            {
                return Served(key, shard, request, profile, entry!, layer, required, started);
            }
        }

        _stats.Served(profile.Tables, statement.Fingerprint, hit: false);
        _samples.Record(new WarmupSample(request.ShardKey, statement, [], null, request.MaxRows, request.TimeoutMs));
        Filled filled;
        try
        {
            var fill = request.Cache == CacheMode.Refresh
                ? FillAsync(key, shard, statement, required, request.MaxRows, request.TimeoutMs, profile, trusted)
                : _fills.Run(key, () => FillOnceAsync(key, shard, statement, required, request.MaxRows, request.TimeoutMs, profile, trusted), out _);
            filled = await fill.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (filled.Entry.Lsn < required)
            {
                // Joined a fill started for an older requirement: read on our own.
                filled = await FillAsync(key, shard, statement, required, request.MaxRows, request.TimeoutMs, profile, trusted).ConfigureAwait(false);
            }
        }
        catch (DataTierException ex) when (ServableWithoutPrimary(request, ex))
        {
            // A fill must include every write this instance has seen to the tables, and only the primary has them when
            // the replicas stopped below (the primary died with writes they never received). The read itself asks for
            // no more than its consistency: a replica answers it, and nothing is cached.
            _stats.Bypass();
            return await UncachedAsync(shard, request, cancellationToken).ConfigureAwait(false);
        }

        var e = filled.Entry;
        return new ReadAnswer(e.RowsJson, e.RowCount, e.Truncated, e.ShardId, filled.ServedBy, filled.NodeId, Stopwatch.GetElapsedTime(started).TotalMilliseconds, filled.Hit);
    }

    // With the versions unknown (Redis configured but out of reach), an entry may miss other instances' writes since
    // it was made: it serves only while younger than the staleness bound. Entries made before the feed last broke
    // are never served (writes in the outage may never have been announced).
    private bool Servable(CacheEntry entry, bool trusted) =>
        entry.CreatedAt >= _versions.TrustEntriesFrom
        && (trusted || (_time.GetUtcNow() - entry.CreatedAt).TotalMilliseconds <= _options.MaxStalenessMs);

    private ReadAnswer Served(string key, ShardDefinition shard, ReadRequest request, StatementProfile profile, CacheEntry entry, string layer, ulong required, long started)
    {
        var statement = request.Statement;
        _stats.Served(profile.Tables, statement.Fingerprint, hit: true);
        // The shape's sample was recorded by the read that filled the entry: a hit adds nothing a warm-up needs.
        MaybeRefreshAhead(key, entry, shard, statement, required, request.MaxRows, request.TimeoutMs, profile);
        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _digest.Record(statement.FingerprintId, statement.Fingerprint, statement.Sql, shard.Id, Diagnostics.DigestRole.Cache, elapsed, entry.RowCount, error: false, cacheHit: true);
        return new ReadAnswer(entry.RowsJson, entry.RowCount, entry.Truncated, entry.ShardId, "cache", null, elapsed,
            new CacheHitInfo(layer, (_time.GetUtcNow() - entry.CreatedAt).TotalMilliseconds, entry.Ttl.TotalSeconds, entry.Complexity));
    }

    // Eventual and session reads do not need the primary: when it is unreachable, a replica that satisfies the read's own
    // consistency serves it uncached. A fresh read must see every completed write, so it fails instead.
    private static bool ServableWithoutPrimary(ReadRequest request, DataTierException ex) =>
        ex.Kind == DataTierErrorKind.ShardUnavailable && request.Cache != CacheMode.Fresh
        && request.Consistency is ConsistencyLevel.Eventual or ConsistencyLevel.Session;

    private static ulong TokenLsn(ShardDefinition shard, ReadRequest request) =>
        request.Consistency == ConsistencyLevel.Session ? request.Token?.LsnFor(shard.Id) ?? 0 : 0;

    private async Task<ReadAnswer> UncachedAsync(ShardDefinition shard, ReadRequest request, CancellationToken cancellationToken)
    {
        DataTierTracing.CurrentRecorded(DataTierTracing.Spans.Read)?.SetTag(DataTierTracing.Tags.CacheOutcome, DataTierTracing.CacheOutcomes.Bypass);
        _samples.Record(new WarmupSample(request.ShardKey, request.Statement, [], null, request.MaxRows, request.TimeoutMs), cacheable: false);
        var outcome = await _reader.ReadAsync(shard, request.Statement, request.Consistency, TokenLsn(shard, request), request.MaxRows, request.TimeoutMs, snapshotLsn: false, cancellationToken).ConfigureAwait(false);
        return new(Encode(outcome.Result), outcome.Result.Rows.Count, outcome.Result.Truncated, outcome.ShardId, outcome.Target.ServedBy, outcome.Target.Node.Id, outcome.ElapsedMs, null);
    }

    // A caller that missed just before another caller's fill finished (and left the in-flight map) finds the fresh
    // entry here instead of running the query again.
    private async Task<Filled> FillOnceAsync(string key, ShardDefinition shard, BoundStatement statement, ulong required, int maxRows, int timeoutMs, StatementProfile profile, bool trusted)
    {
        if (_cache.PeekL1(key) is { } fresh && fresh.Lsn >= required && Servable(fresh, trusted))
        {
            return new Filled(fresh, "cache", null, new CacheHitInfo("l1", (_time.GetUtcNow() - fresh.CreatedAt).TotalMilliseconds, fresh.Ttl.TotalSeconds, fresh.Complexity));
        }

        return await FillAsync(key, shard, statement, required, maxRows, timeoutMs, profile, trusted).ConfigureAwait(false);
    }

    private async Task<Filled> FillAsync(string key, ShardDefinition shard, BoundStatement statement, ulong required, int maxRows, int timeoutMs, StatementProfile profile, bool trusted)
    {
        // The fill outlives any one caller: a caller that gives up does not cancel the others' result.
        var outcome = await _reader.ReadAsync(shard, statement, required > 0 ? ConsistencyLevel.Session : ConsistencyLevel.Eventual, required, maxRows, timeoutMs, snapshotLsn: true, CancellationToken.None).ConfigureAwait(false);
        _stats.Fill();
        var ttl = _ttl.For(profile, outcome.ElapsedMs);
        var entry = new CacheEntry(Encode(outcome.Result), outcome.Result.Rows.Count, outcome.Result.Truncated, shard.Id, outcome.Result.Lsn,
            _time.GetUtcNow(), ttl, outcome.ElapsedMs, profile.Complexity);
        // Keyed by versions that may be behind other instances' writes: kept only for the requests already waiting.
        if (trusted && ttl > TimeSpan.Zero && entry.RowsJson.Length <= _options.MaxEntryBytes && entry.Lsn >= required)
        {
            await _cache.SetAsync(key, entry).ConfigureAwait(false);
        }

        return new Filled(entry, outcome.Target.ServedBy, outcome.Target.Node.Id);
    }

    private sealed record Filled(CacheEntry Entry, string ServedBy, string? NodeId, CacheHitInfo? Hit = null);

    private void MaybeRefreshAhead(string key, CacheEntry entry, ShardDefinition shard, BoundStatement statement, ulong required, int maxRows, int timeoutMs, StatementProfile profile)
    {
        if (DueForRefresh(entry))
        {
            RefreshAhead(key, shard, statement, required, maxRows, timeoutMs, profile);
        }
    }

    // Apart from MaybeRefreshAhead so the closure is only allocated for a refresh, not on every hit.
    private void RefreshAhead(string key, ShardDefinition shard, BoundStatement statement, ulong required, int maxRows, int timeoutMs, StatementProfile profile)
    {
        var refresh = _fills.Run(key, () => FillAsync(key, shard, statement, required, maxRows, timeoutMs, profile, trusted: true), out bool started);
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

    /// <summary>Encodes rows as the JSON array the API answers with.</summary>
    public static byte[] Encode(QueryResult result)
    {
        // One buffer and writer per thread (the encoding is synchronous): a miss pays for its answer's bytes only.
        var buffer = t_encodeBuffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_encodeWriter ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        ResultJsonWriter.WriteRows(writer, result);
        writer.Flush();
        var bytes = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > MaxKeptEncodeBuffer)
        {
            // A large answer's buffer is not kept for the thread's lifetime.
            t_encodeBuffer = null;
            t_encodeWriter = null;
        }

        return bytes;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.RefreshAhead, EventName = "RefreshAhead", Level = LogLevel.Debug, Message = "Refreshing a hot entry of shard {ShardId} ahead of expiry")]
        public static partial void RefreshAhead(ILogger logger, string shardId);
    }
}
