using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// The test cluster of <see cref="ClusterFixture"/> (a catalog, 2 shards with 1 replica each, Redis, the demo data)
/// with its shards under real Patroni agents and one real etcd member (<c>dev up --ha</c>): each replica is its
/// shard's synchronous standby. Fails every test of its collection when Patroni or etcd is missing.
/// </summary>
public sealed class PatroniClusterFixture : ClusterFixture
{
    /// <inheritdoc />
    protected override bool HighAvailability => true;
}
