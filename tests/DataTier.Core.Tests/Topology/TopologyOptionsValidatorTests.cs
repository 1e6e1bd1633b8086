using DataTier.Core.Topology;

namespace DataTier.Core.Tests.Topology;

public sealed class TopologyOptionsValidatorTests
{
    private const string Conn = "Host=127.0.0.1;Port=5432;Database=datatier;Username=app";

    [Fact]
    public void A_valid_topology_passes()
    {
        var options = new TopologyOptions { Shards = [new() { Id = "s1", Primary = Conn, Replicas = [Conn] }, new() { Id = "s2", Primary = Conn }] };
        Assert.True(new TopologyOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Every_error_is_reported_and_names_the_setting()
    {
        var options = new TopologyOptions
        {
            Shards =
            [
                new() { Id = "s1", Primary = null },
                new() { Id = "s1", Primary = Conn, Weight = 0 },
                new() { Id = "s3", Primary = Conn, Replicas = ["not a connection string"] },
            ],
        };
        var result = new TopologyOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("DataTier:Topology:Shards:0:Primary", StringComparison.Ordinal) && f.Contains("'s1'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("DataTier:Topology:Shards:1:Id", StringComparison.Ordinal) && f.Contains("unique", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("DataTier:Topology:Shards:1:Weight is 0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("DataTier:Topology:Shards:2:Replicas:0", StringComparison.Ordinal));
    }

    [Fact]
    public void No_shards_is_an_error()
    {
        var result = new TopologyOptionsValidator().Validate(null, new TopologyOptions());
        Assert.Contains(result.Failures!, f => f.Contains("DataTier:Topology:Shards is empty", StringComparison.Ordinal));
    }
}
