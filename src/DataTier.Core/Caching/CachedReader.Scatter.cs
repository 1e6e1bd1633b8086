using System.Diagnostics;
using DataTier.Core.Consistency;
using DataTier.Core.DataPath;
using DataTier.Core.Diagnostics;
using DataTier.Core.Execution;
using DataTier.Core.Topology;

namespace DataTier.Core.Caching;

/// <summary>
/// Scatter reads through the cache. The merged answer is cached whole, under a key made of every shard's table
/// versions, so a write to any of those tables on any shard makes it unreachable. Each shard's part remembers the
/// LSN it was read at: shards have LSNs of their own, so a session read is served from the entry only when every
/// shard's part has reached what the session's token names for that shard. A partial answer is never cached.
/// </summary>
public sealed partial class CachedReader
{
    /// <summary>Reads every shard and merges the rows, through the cache.</summary>
    public async Task<ScatterAnswer> ScatterAsync(ScatterReadRequest request, CancellationToken cancellationToken)
    {
        // Null unless a tracer listens: each shard's query and the merge are its children.
        using var activity = DataTierTracing.Source.StartActivity(DataTierTracing.Spans.Scatter);
        try
        {
            var answer = await ScatterCoreAsync(request, cancellationToken).ConfigureAwait(false);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(DataTierTracing.Tags.Shards, answer.Shards.Count);
                activity.SetTag(DataTierTracing.Tags.Consistency, request.Consistency.ToString());
                activity.SetTag(DataTierTracing.Tags.DbQueryText, request.Statement.Fingerprint);
                activity.SetTag(DataTierTracing.Tags.CacheOutcome, answer.Cache is not null ? DataTierTracing.CacheOutcomes.Hit : DataTierTracing.CacheOutcomes.Miss);
            }

            return answer;
        }
        catch (Errors.DataTierException ex)
        {
            DataTierTracing.Fail(activity, ex);
            throw;
        }
    }

    private async Task<ScatterAnswer> ScatterCoreAsync(ScatterReadRequest request, CancellationToken cancellationToken)
    {
        var (statement, orderBy, limit, allowPartial, consistency, token, maxRows, timeoutMs, mode) = request;
        long started = Stopwatch.GetTimestamp();
        var shards = _scatter.Shards();
        Func<string, ulong> tokenLsn = consistency == ConsistencyLevel.Session && token is not null ? token.LsnFor : static _ => 0;
        if (request.Page is { } page)
        {
            // A page is cut by a token that differs on every page: caching pages would fill entries that are hardly read again.
            _stats.Bypass();
            var paged = await _scatter.ReadPageAsync(shards, statement, page.Size, page.After, consistency, tokenLsn, timeoutMs, cancellationToken).ConfigureAwait(false);
            return Uncached(paged, started) with { NextPage = paged.NextPage };
        }

        if (!_options.Enabled || consistency == ConsistencyLevel.Strong || mode == CacheMode.Bypass || shards.Count == 0)
        {
            _stats.Bypass();
            _samples.Record(new WarmupSample(null, statement, orderBy, limit, maxRows, timeoutMs), cacheable: false);
            return Uncached(await _scatter.ReadAsync(shards, statement, orderBy, limit, allowPartial, consistency, tokenLsn, maxRows, timeoutMs, snapshotLsn: false, cancellationToken).ConfigureAwait(false), started);
        }

        var shardStatement = ScatterStatements.ForShard(statement, orderBy, limit, maxRows);
        var profile = await _profiler.GetAsync(ExplainNode(shards[0]), shardStatement, cancellationToken).ConfigureAwait(false);
        if (_ttl.For(profile, 0) <= TimeSpan.Zero)
        {
            _stats.Bypass();
            return Uncached(await _scatter.ReadAsync(shards, statement, orderBy, limit, allowPartial, consistency, tokenLsn, maxRows, timeoutMs, snapshotLsn: false, cancellationToken).ConfigureAwait(false), started);
        }

        _samples.Record(new WarmupSample(null, statement, orderBy, limit, maxRows, timeoutMs));
        var versions = new List<(string Shard, string Table, TableVersion Version)>(shards.Count * profile.Tables.Length);
        var required = new Dictionary<string, ulong>(shards.Count, StringComparer.Ordinal);
        bool trusted = true;
        bool inMemory = mode != CacheMode.Fresh;
        foreach (var shard in shards)
        {
            ulong writeLsn = 0;
            foreach (var table in profile.Tables)
            {
                if (!inMemory || !_versions.TryGetCurrent(shard.Id, table, out var v))
                {
                    inMemory = false;
                    (v, bool known) = await _versions.ReadAsync(shard.Id, table).ConfigureAwait(false);
                    trusted &= known;
                }

                versions.Add((shard.Id, table, v));
                writeLsn = Math.Max(writeLsn, v.WriteLsn);
            }

            required[shard.Id] = Math.Max(tokenLsn(shard.Id), writeLsn);
        }

        (inMemory ? _metrics.VersionChecksMemory : _metrics.VersionChecksRedis).Inc();
        string key = CacheKey.ComputeScatter(shards.Select(s => s.Id).ToList(), shardStatement, maxRows, versions);
        if (mode is CacheMode.Auto or CacheMode.Fresh)
        {
            var (entry, layer) = await _cache.GetAsync(key).ConfigureAwait(false);
            if (entry?.Parts is not null && entry.HasReached(required) && Servable(entry, trusted))
            {
                _stats.Served(profile.Tables, statement.Fingerprint, hit: true);
                MaybeRefreshScatterAhead(key, entry, shards, statement, orderBy, limit, required, maxRows, timeoutMs, profile);
                double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                _digest.Record(statement.FingerprintId, statement.Fingerprint, statement.Sql, "*", Diagnostics.DigestRole.Cache, elapsed, entry.RowCount, error: false, cacheHit: true);
                return FromEntry(entry, "cache", elapsed, new CacheHitInfo(layer, (_time.GetUtcNow() - entry.CreatedAt).TotalMilliseconds, entry.Ttl.TotalSeconds, entry.Complexity));
            }
        }

        _stats.Served(profile.Tables, statement.Fingerprint, hit: false);
        // Callers that allow a partial answer must not share a fill with callers that do not (nor get its failure).
        string flight = allowPartial ? key + ":partial" : key;
        var fill = mode == CacheMode.Refresh
            ? FillScatterAsync(key, shards, statement, orderBy, limit, allowPartial, required, maxRows, timeoutMs, profile, trusted)
            : _scatterFills.Run(flight, () => FillScatterOnceAsync(key, shards, statement, orderBy, limit, allowPartial, required, maxRows, timeoutMs, profile, trusted), out _);
        var filled = await fill.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!filled.Entry.HasReached(required))
        {
            // Joined a fill started for an older requirement: read on our own.
            filled = await FillScatterAsync(key, shards, statement, orderBy, limit, allowPartial, required, maxRows, timeoutMs, profile, trusted).ConfigureAwait(false);
        }

        if (filled.Outcome is { } outcome)
        {
            return new ScatterAnswer(filled.Entry.RowsJson, filled.Entry.RowCount, filled.Entry.Truncated, outcome.Shards, outcome.FailedShards, "database", Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
        }

        return FromEntry(filled.Entry, "cache", Stopwatch.GetElapsedTime(started).TotalMilliseconds, filled.Hit);
    }

    private async Task<ScatterFilled> FillScatterOnceAsync(string key, IReadOnlyList<ShardDefinition> shards, BoundStatement statement, IReadOnlyList<SortColumn> orderBy, int? limit, bool allowPartial, IReadOnlyDictionary<string, ulong> required, int maxRows, int timeoutMs, StatementProfile profile, bool trusted)
    {
        if (_cache.PeekL1(key) is { Parts: not null } fresh && fresh.HasReached(required) && Servable(fresh, trusted))
        {
            return new ScatterFilled(fresh, null, new CacheHitInfo("l1", (_time.GetUtcNow() - fresh.CreatedAt).TotalMilliseconds, fresh.Ttl.TotalSeconds, fresh.Complexity));
        }

        return await FillScatterAsync(key, shards, statement, orderBy, limit, allowPartial, required, maxRows, timeoutMs, profile, trusted).ConfigureAwait(false);
    }

    private async Task<ScatterFilled> FillScatterAsync(string key, IReadOnlyList<ShardDefinition> shards, BoundStatement statement, IReadOnlyList<SortColumn> orderBy, int? limit, bool allowPartial, IReadOnlyDictionary<string, ulong> required, int maxRows, int timeoutMs, StatementProfile profile, bool trusted)
    {
        long started = Stopwatch.GetTimestamp();
        var consistency = required.Values.Any(l => l > 0) ? ConsistencyLevel.Session : ConsistencyLevel.Eventual;
        // The fill outlives any one caller: a caller that gives up does not cancel the others' result.
        var outcome = await _scatter.ReadAsync(shards, statement, orderBy, limit, allowPartial, consistency, shard => required.GetValueOrDefault(shard), maxRows, timeoutMs, snapshotLsn: true, CancellationToken.None).ConfigureAwait(false);
        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _stats.Fill();
        var ttl = _ttl.For(profile, elapsed);
        var entry = new CacheEntry(Encode(outcome.Result), outcome.Result.Rows.Count, outcome.Result.Truncated, "*", 0, _time.GetUtcNow(), ttl, elapsed, profile.Complexity)
        {
            Parts = outcome.Shards.Select(s => new CachedShardPart(s.Id, s.Lsn, s.RowCount)).ToList(),
        };
        if (trusted && ttl > TimeSpan.Zero && outcome.FailedShards.Count == 0 && entry.RowsJson.Length <= _options.MaxEntryBytes && entry.HasReached(required))
        {
            await _cache.SetAsync(key, entry).ConfigureAwait(false);
        }

        return new ScatterFilled(entry, outcome, null);
    }

    private void MaybeRefreshScatterAhead(string key, CacheEntry entry, IReadOnlyList<ShardDefinition> shards, BoundStatement statement, IReadOnlyList<SortColumn> orderBy, int? limit, IReadOnlyDictionary<string, ulong> required, int maxRows, int timeoutMs, StatementProfile profile)
    {
        if (!DueForRefresh(entry))
        {
            return;
        }

        var refresh = _scatterFills.Run(key, () => FillScatterAsync(key, shards, statement, orderBy, limit, allowPartial: false, required, maxRows, timeoutMs, profile, trusted: true), out bool started);
        if (started)
        {
            _ = refresh.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            _stats.Refresh();
            Log.RefreshAhead(_logger, "*");
        }
    }

    private static ScatterAnswer FromEntry(CacheEntry entry, string servedBy, double elapsedMs, CacheHitInfo? hit) =>
        new(entry.RowsJson, entry.RowCount, entry.Truncated,
            entry.Parts!.Select(p => new ScatterShardResult(p.ShardId, p.RowCount, 0, servedBy, null, p.Lsn)).ToList(),
            [], servedBy, elapsedMs, hit);

    private static ScatterAnswer Uncached(ScatterOutcome outcome, long started) =>
        new(Encode(outcome.Result), outcome.Result.Rows.Count, outcome.Result.Truncated, outcome.Shards, outcome.FailedShards, "database", Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);

    // Outcome is set when this caller's rows came from the database (its shards' own figures are shown); Hit when a
    // fill found a fresh entry another caller had just made.
    private sealed record ScatterFilled(CacheEntry Entry, ScatterOutcome? Outcome, CacheHitInfo? Hit);
}
