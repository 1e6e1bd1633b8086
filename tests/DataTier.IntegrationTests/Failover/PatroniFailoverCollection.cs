namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// The Patroni failover test kills a primary and takes a node out of Patroni, so it gets an HA cluster of its own and
/// runs alone, after the parallel collections, so that its timings are not shared.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PatroniFailoverCollection : ICollectionFixture<PatroniClusterFixture>
{
    /// <summary>Collection name: <c>[Collection(PatroniFailoverCollection.Name)]</c>.</summary>
    public const string Name = "patroni-failover-cluster";
}
