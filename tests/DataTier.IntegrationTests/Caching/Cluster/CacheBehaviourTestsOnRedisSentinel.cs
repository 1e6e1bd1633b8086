using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Caching.Cluster;

/// <summary>Every <see cref="CacheBehaviourTests"/> test, with the servers on Redis behind Sentinel (master, replica, 3 sentinels).</summary>
[Collection(ClusterCollection.Name)]
public sealed class CacheBehaviourTestsOnRedisSentinel(ClusterFixture fixture, RedisSentinelFixture redis) : CacheBehaviourTests(fixture), IClassFixture<RedisSentinelFixture>
{
    /// <inheritdoc />
    protected override IRedisUnderTest Redis => redis;
}
