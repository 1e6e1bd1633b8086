using System.Collections.Immutable;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Caching;

/// <summary>
/// The cache for front ends that encode answers themselves (the PostgreSQL wire's RowDescription and DataRow bytes):
/// the same layers, table versions, staleness bound, LSN rule and TTL policy as the HTTP reads of
/// <see cref="CachedReader"/>, with the answer kept as the front end's own bytes so a hit is copied, never re-encoded.
/// </summary>
/// <remarks>
/// The contract is CachedReader's: a key includes the version of every table the statement reads, read before the
/// rows are; while the invalidation feed is fresh those versions come from memory (a hit costs no await), otherwise,
/// and always for <see cref="CacheMode.Fresh"/>, from Redis. An entry serves a reader only when its LSN has reached
/// the reader's requirement (its own writes, and every write this instance knows of to those tables). Entries keyed
/// by versions that could not be read from Redis are never stored, and serve only while younger than the bound.
/// </remarks>
public sealed class EncodedResultCache
{
    private readonly QueryCache _cache;
    private readonly TableVersions _versions;
    private readonly TtlPolicy _ttl;
    private readonly CacheStats _stats;
    private readonly CacheMetrics _metrics;
    private readonly CacheOptions _options;
    private readonly TimeProvider _time;

    [ThreadStatic]
    private static (string Table, TableVersion Version)[]? t_versions;

    /// <summary>Creates the cache over Core's layers.</summary>
    public EncodedResultCache(QueryCache cache, TableVersions versions, TtlPolicy ttl, CacheStats stats, CacheMetrics metrics, IOptions<CacheOptions> options, TimeProvider time)
    {
        _cache = cache;
        _versions = versions;
        _ttl = ttl;
        _stats = stats;
        _metrics = metrics;
        _options = options.Value;
        _time = time;
    }

    /// <summary>Whether caching is on (<c>DataTier:Cache:Enabled</c>).</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>Whether a statement of this profile may be cached at all (a table rule of 0 s says never).</summary>
    public bool MayCache(StatementProfile profile) => _options.Enabled && _ttl.For(profile, 0) > TimeSpan.Zero;

    /// <summary>
    /// The key from versions held in memory, when the feed proves them current: the synchronous path. False when any
    /// version must be read from Redis (<see cref="KeyFromRedisAsync"/>).
    /// </summary>
    public bool TryKeyInMemory(string scope, string shardId, ReadOnlySpan<byte> request, ImmutableArray<string> tables, out EncodedCacheKey key)
    {
        var versions = t_versions is { } scratch && scratch.Length >= tables.Length ? scratch : t_versions = new (string, TableVersion)[Math.Max(4, tables.Length)];
        ulong writeLsn = 0;
        for (int i = 0; i < tables.Length; i++)
        {
            if (!_versions.TryGetCurrent(shardId, tables[i], out var v))
            {
                key = default;
                return false;
            }

            versions[i] = (tables[i], v);
            writeLsn = Math.Max(writeLsn, v.WriteLsn);
        }

        _metrics.VersionChecksMemory.Inc();
        key = new EncodedCacheKey(CacheKey.ComputeEncoded(scope, shardId, request, versions.AsSpan(0, tables.Length)), writeLsn, Trusted: true);
        return true;
    }

    /// <summary>The key from versions read from Redis now: every write completed before this call is reflected.</summary>
    public async ValueTask<EncodedCacheKey> KeyFromRedisAsync(string scope, string shardId, ReadOnlyMemory<byte> request, ImmutableArray<string> tables)
    {
        var versions = new (string Table, TableVersion Version)[tables.Length];
        ulong writeLsn = 0;
        bool trusted = true;
        for (int i = 0; i < tables.Length; i++)
        {
            var (v, known) = await _versions.ReadAsync(shardId, tables[i]).ConfigureAwait(false);
            trusted &= known;
            versions[i] = (tables[i], v);
            writeLsn = Math.Max(writeLsn, v.WriteLsn);
        }

        _metrics.VersionChecksRedis.Inc();
        return new EncodedCacheKey(CacheKey.ComputeEncoded(scope, shardId, request.Span, versions), writeLsn, trusted);
    }

    /// <summary>An L1 entry that may serve a reader needing rows at or past <paramref name="requiredLsn"/>; no await.</summary>
    public CacheEntry? TryGetL1(in EncodedCacheKey key, ulong requiredLsn) =>
        _cache.TryGetL1(key.Key, out var entry) && Servable(entry, key, requiredLsn) ? entry : null;

    /// <summary>An entry from L1 or L2 that may serve a reader needing rows at or past <paramref name="requiredLsn"/>.</summary>
    public async ValueTask<CacheEntry?> GetAsync(EncodedCacheKey key, ulong requiredLsn)
    {
        var (entry, _) = await _cache.GetAsync(key.Key).ConfigureAwait(false);
        return entry is not null && Servable(entry, key, requiredLsn) ? entry : null;
    }

    /// <summary>
    /// Stores an answer read at <paramref name="lsn"/> (a lower bound of what its rows include) under
    /// <paramref name="key"/>; L2 is written in the background. False when it may not be kept: caching off, a 0 s table
    /// rule, versions not read from Redis, too large, or rows older than <paramref name="requiredLsn"/>.
    /// </summary>
    public bool Store(in EncodedCacheKey key, byte[] encoded, int rowCount, string shardId, ulong lsn, ulong requiredLsn, StatementProfile profile, double executionMs)
    {
        _stats.Fill();
        var ttl = _ttl.For(profile, executionMs);
        if (!_options.Enabled || !key.Trusted || ttl <= TimeSpan.Zero || encoded.Length > _options.MaxEntryBytes || lsn < requiredLsn)
        {
            return false;
        }

        var entry = new CacheEntry(encoded, rowCount, false, shardId, lsn, _time.GetUtcNow(), ttl, executionMs, profile.Complexity);
        // SetAsync writes L1 before its first await and never throws for Redis: the caller does not wait for L2.
        _ = _cache.SetAsync(key.Key, entry);
        return true;
    }

    /// <summary>Counts a read served (hit or not) for the cache's statistics by table and statement shape.</summary>
    public void CountServed(ImmutableArray<string> tables, string fingerprint, bool hit) => _stats.Served(tables, fingerprint, hit);

    /// <summary>Counts a read that skipped the cache.</summary>
    public void CountBypass() => _stats.Bypass();

    // Entries made before the feed last broke are never served; with versions unknown (Redis out of reach) an entry
    // serves only while younger than the staleness bound.
    private bool Servable(CacheEntry entry, in EncodedCacheKey key, ulong requiredLsn) =>
        entry.Lsn >= Math.Max(requiredLsn, key.WriteLsn)
        && entry.CreatedAt >= _versions.TrustEntriesFrom
        && (key.Trusted || (_time.GetUtcNow() - entry.CreatedAt).TotalMilliseconds <= _options.MaxStalenessMs);
}

/// <summary>A cache key with what it was computed from: the newest write LSN of its tables, and whether Redis was read.</summary>
/// <param name="Key">The key (SHA-256, hex).</param>
/// <param name="WriteLsn">The newest commit LSN this instance knows of a write to the tables: entries must have reached it.</param>
/// <param name="Trusted">False when a version could not be read from Redis and may miss other instances' writes.</param>
public readonly record struct EncodedCacheKey(string Key, ulong WriteLsn, bool Trusted);
