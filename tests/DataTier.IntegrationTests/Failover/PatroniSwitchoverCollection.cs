namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// The switchover through Patroni changes which node leads s1, so it gets an HA cluster of its own (never the
/// failover test's) and runs alone, so that the write pause it measures is not shared with other tests' load.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PatroniSwitchoverCollection : ICollectionFixture<PatroniClusterFixture>
{
    /// <summary>Collection name: <c>[Collection(PatroniSwitchoverCollection.Name)]</c>.</summary>
    public const string Name = "patroni-switchover-cluster";
}
