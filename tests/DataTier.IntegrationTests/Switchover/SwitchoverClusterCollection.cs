using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Switchover;

/// <summary>
/// Switchover tests promote replicas, so they get a cluster of their own (never the shared one) and run alone, after
/// the parallel collections, so that the write pauses they measure are not shared with other tests' load.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SwitchoverClusterCollection : ICollectionFixture<ClusterFixture>
{
    /// <summary>Collection name: <c>[Collection(SwitchoverClusterCollection.Name)]</c>.</summary>
    public const string Name = "switchover-cluster";
}
