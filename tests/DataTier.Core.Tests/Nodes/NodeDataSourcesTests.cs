using DataTier.Core.Nodes;
using DataTier.Core.Topology;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Tests.Nodes;

public sealed class NodeDataSourcesTests
{
    [Fact]
    public async Task A_node_keeps_its_pool_until_its_connection_string_changes_under_the_same_id()
    {
        await using var sources = new NodeDataSources(Options.Create(new NodePoolOptions()), Options.Create(new DataTier.Core.Execution.DataApiOptions()));
        var first = new NodeDefinition("s3-primary", "s3", NodeRole.Primary, "Host=127.0.0.1;Port=5001;Database=a;Username=u;Password=p");
        var same = first with { };
        var moved = first with { ConnectionString = "Host=127.0.0.1;Port=5001;Database=b;Username=u;Password=p" };

        var pool = sources.Get(first);
        Assert.Same(pool, sources.Get(same));
        var newPool = sources.Get(moved);
        Assert.NotSame(pool, newPool);
        Assert.Contains("Database=b", newPool.ConnectionString, StringComparison.Ordinal);
        Assert.Same(newPool, sources.Get(moved));
        Assert.Single(sources.All);
    }
}
