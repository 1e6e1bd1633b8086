using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// Failover tests kill and promote nodes, so they get a cluster of their own (a second <see cref="ClusterFixture"/>,
/// never the shared one) and run alone, after the parallel collections, so that their timings are not shared.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FailoverClusterCollection : ICollectionFixture<ClusterFixture>
{
    /// <summary>Collection name: <c>[Collection(FailoverClusterCollection.Name)]</c>.</summary>
    public const string Name = "failover-cluster";
}
