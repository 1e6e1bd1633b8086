using DataTier.Core.Caching;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Tests.Caching;

/// <summary>The rules of the front-end-encoded cache, on an instance without Redis (versions are this instance's own).</summary>
public sealed class EncodedResultCacheTests : IDisposable
{
    private static readonly StatementProfile Profile = new(["tasks"], [], 8.0, 1, default);
    private static readonly byte[] Request = "E select 1"u8.ToArray();
    private readonly RedisConnection _redis;
    private readonly TableVersions _versions;
    private readonly QueryCache _layers;
    private readonly EncodedResultCache _cache;

    public EncodedResultCacheTests()
    {
        var cacheOptions = Options.Create(new CacheOptions());
        var metrics = new CacheMetrics();
        var stats = new CacheStats();
        _redis = new RedisConnection(Options.Create(new RedisOptions()), cacheOptions, NullLogger<RedisConnection>.Instance);
        _versions = new TableVersions(_redis, metrics, stats, cacheOptions, TimeProvider.System, NullLogger<TableVersions>.Instance);
        _layers = new QueryCache(_redis, cacheOptions, stats, metrics, TimeProvider.System, NullLogger<QueryCache>.Instance);
        _cache = new EncodedResultCache(_layers, _versions, new TtlPolicy(cacheOptions), stats, metrics, cacheOptions, TimeProvider.System);
    }

    private EncodedCacheKey Key()
    {
        Assert.True(_cache.TryKeyInMemory("test", "s1", Request, Profile.Tables, out var key));
        return key;
    }

    [Fact]
    public void A_stored_answer_is_served_from_l1()
    {
        var key = Key();
        Assert.True(_cache.Store(key, [1, 2, 3], 1, "s1", lsn: 100, requiredLsn: 0, Profile, 1.0));
        Assert.Equal([1, 2, 3], _cache.TryGetL1(Key(), 0)!.RowsJson);
    }

    [Fact]
    public async Task A_write_to_the_table_changes_the_key()
    {
        var before = Key();
        _cache.Store(before, [1], 1, "s1", 100, 0, Profile, 1.0);
        await _versions.BumpAsync("s1", ["tasks"], 200);

        var after = Key();
        Assert.NotEqual(before.Key, after.Key);
        Assert.Equal(200UL, after.WriteLsn);
        Assert.Null(_cache.TryGetL1(after, 0));
    }

    [Fact]
    public void An_entry_older_than_the_readers_own_write_is_not_served()
    {
        var key = Key();
        _cache.Store(key, [1], 1, "s1", lsn: 100, requiredLsn: 0, Profile, 1.0);
        Assert.Null(_cache.TryGetL1(key, requiredLsn: 101));
        Assert.NotNull(_cache.TryGetL1(key, requiredLsn: 100));
    }

    [Fact]
    public void Rows_read_before_the_required_lsn_are_not_stored()
    {
        Assert.False(_cache.Store(Key(), [1], 1, "s1", lsn: 50, requiredLsn: 60, Profile, 1.0));
        Assert.Null(_cache.TryGetL1(Key(), 0));
    }

    [Fact]
    public void Answers_keyed_by_versions_redis_could_not_confirm_are_not_stored()
    {
        var untrusted = Key() with { Trusted = false };
        Assert.False(_cache.Store(untrusted, [1], 1, "s1", 100, 0, Profile, 1.0));
    }

    [Fact]
    public void Scopes_never_share_entries()
    {
        _cache.Store(Key(), [1], 1, "s1", 100, 0, Profile, 1.0);
        Assert.True(_cache.TryKeyInMemory("other", "s1", Request, Profile.Tables, out var other));
        Assert.Null(_cache.TryGetL1(other, 0));
    }

    public void Dispose()
    {
        _layers.Dispose();
        _versions.Dispose();
        _redis.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
