using DataTier.Core.Topology;

namespace DataTier.Core.Tests.Rebalancing;

public sealed class TopologyChangesTests
{
    private static readonly TopologyDocument TwoShards = new(100,
    [
        new TopologyShardEntry("s1", 1, 1, "Host=a", []),
        new TopologyShardEntry("s2", 1, 1, "Host=b", ["Host=b2"]),
    ]);

    [Fact]
    public void An_added_shard_routes_nothing_until_rows_move_but_is_in_the_desired_ring()
    {
        var doc = TopologyChanges.AddShard(TwoShards, "s3", 2, "Host=c", []);
        var snapshot = doc.ToSnapshot(7);
        Assert.Equal(["s1", "s2"], snapshot.Shards.Select(s => s.Id));
        Assert.Equal(["s3"], snapshot.PendingShards.Select(s => s.Id));
        Assert.Equal(["s1", "s2", "s3"], snapshot.DesiredRing!.Members.Select(m => m.ShardId));
        Assert.Equal("pending", doc.Shards[2].State);
        Assert.Equal(7, snapshot.Version);
    }

    [Theory]
    [InlineData("", "invalid-shard")]
    [InlineData("S3", "invalid-shard")]
    [InlineData("s 3", "invalid-shard")]
    [InlineData("s1", "shard-exists")]
    public void A_bad_or_taken_id_is_refused(string id, string code) =>
        Assert.Equal(code, Assert.Throws<TopologyChangeException>(() => TopologyChanges.AddShard(TwoShards, id, 1, "Host=c", [])).Code);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(101)]
    [InlineData(double.NaN)]
    public void A_weight_out_of_range_is_refused(double weight)
    {
        Assert.Equal("invalid-weight", Assert.Throws<TopologyChangeException>(() => TopologyChanges.SetWeight(TwoShards, "s1", weight)).Code);
        Assert.Equal("invalid-weight", Assert.Throws<TopologyChangeException>(() => TopologyChanges.AddShard(TwoShards, "s3", weight, "Host=c", [])).Code);
    }

    [Fact]
    public void A_drained_shard_keeps_routing_until_its_rows_move_and_cannot_be_removed_before()
    {
        var doc = TopologyChanges.Drain(TwoShards, "s2");
        Assert.Equal("draining", doc.Shards[1].State);
        Assert.Equal(["s1", "s2"], doc.ToSnapshot(2).Shards.Select(s => s.Id));
        Assert.Equal(["s1"], doc.ToSnapshot(2).DesiredRing!.Members.Select(m => m.ShardId));
        var refused = Assert.Throws<TopologyChangeException>(() => TopologyChanges.Remove(doc, "s2"));
        Assert.Equal("shard-not-empty", refused.Code);
        Assert.True(refused.Conflict);
    }

    [Fact]
    public void The_last_shard_keeping_rows_cannot_be_drained_and_unknown_shards_are_named()
    {
        var doc = TopologyChanges.Drain(TwoShards, "s2");
        Assert.Equal("last-shard", Assert.Throws<TopologyChangeException>(() => TopologyChanges.Drain(doc, "s1")).Code);
        Assert.Equal("unknown-shard", Assert.Throws<TopologyChangeException>(() => TopologyChanges.Drain(doc, "s9")).Code);
    }

    [Fact]
    public void A_shard_that_was_added_and_drained_again_before_any_move_can_be_removed()
    {
        var doc = TopologyChanges.Drain(TopologyChanges.AddShard(TwoShards, "s3", 1, "Host=c", []), "s3");
        Assert.Equal("empty", doc.Shards[2].State);
        Assert.Equal(["s1", "s2"], TopologyChanges.Remove(doc, "s3").Shards.Select(s => s.Id));
    }
}
