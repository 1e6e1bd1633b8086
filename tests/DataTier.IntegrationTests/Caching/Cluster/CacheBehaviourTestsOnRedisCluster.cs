using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Caching.Cluster;

/// <summary>Every <see cref="CacheBehaviourTests"/> test, with the servers on a Redis Cluster (3 masters, 1 replica each).</summary>
[Collection(ClusterCollection.Name)]
public sealed class CacheBehaviourTestsOnRedisCluster(ClusterFixture fixture, RedisClusterFixture redis) : CacheBehaviourTests(fixture), IClassFixture<RedisClusterFixture>
{
    /// <inheritdoc />
    protected override IRedisUnderTest Redis => redis;
}
