using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// Failover following with a configured (non-catalog) topology: a cluster of its own again, since the test kills and
/// promotes nodes, run alone after the parallel collections.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConfiguredFailoverClusterCollection : ICollectionFixture<ClusterFixture>
{
    /// <summary>Collection name: <c>[Collection(ConfiguredFailoverClusterCollection.Name)]</c>.</summary>
    public const string Name = "failover-configured-cluster";
}
