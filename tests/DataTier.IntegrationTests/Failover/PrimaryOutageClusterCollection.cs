using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// Reads through a primary's outage: a cluster of its own, since the test cuts replication and kills a primary, run
/// alone after the parallel collections.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrimaryOutageClusterCollection : ICollectionFixture<ClusterFixture>
{
    /// <summary>Collection name: <c>[Collection(PrimaryOutageClusterCollection.Name)]</c>.</summary>
    public const string Name = "primary-outage-cluster";
}
