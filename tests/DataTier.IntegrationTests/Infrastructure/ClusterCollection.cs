namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>Tests in this collection share one <see cref="ClusterFixture"/> and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    /// <summary>Collection name: <c>[Collection(ClusterCollection.Name)]</c>.</summary>
    public const string Name = "cluster";
}
