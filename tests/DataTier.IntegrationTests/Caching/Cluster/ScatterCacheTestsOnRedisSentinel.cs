using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Caching.Cluster;

/// <summary>Every <see cref="ScatterCacheTests"/> test, with the servers on Redis behind Sentinel (master, replica, 3 sentinels).</summary>
[Collection(ClusterCollection.Name)]
public sealed class ScatterCacheTestsOnRedisSentinel(ClusterFixture fixture, RedisSentinelFixture redis) : ScatterCacheTests(fixture), IClassFixture<RedisSentinelFixture>
{
    /// <inheritdoc />
    protected override IRedisUnderTest Redis => redis;
}
