using DataTier.Core.Ring;
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

    [Fact]
    public void A_switch_routes_by_the_moves_target_weights_and_sets_the_read_floor_of_the_shards_that_received_rows()
    {
        var doc = TopologyChanges.AddShard(TwoShards, "s3", 1, "Host=c", []);
        var before = doc.Shards.ToDictionary(s => s.Id, s => s.Weight);
        var after = doc.Shards.ToDictionary(s => s.Id, s => s.DesiredWeight);
        var switched = TopologyChanges.SwitchRouting(doc, before, after, new Dictionary<string, ulong> { ["s3"] = 42 });
        var snapshot = switched.ToSnapshot(9);
        Assert.Equal(["s1", "s2", "s3"], snapshot.Shards.Select(s => s.Id));
        Assert.Equal(42UL, snapshot.ShardsById["s3"].ReadFloorLsn);
        Assert.Equal(0UL, snapshot.ShardsById["s1"].ReadFloorLsn);
        Assert.All(switched.Shards, s => Assert.Equal("active", s.State));
    }

    [Fact]
    public void A_switch_is_refused_when_the_routing_changed_since_the_move_started_or_its_target_was_removed()
    {
        var doc = TopologyChanges.AddShard(TwoShards, "s3", 1, "Host=c", []);
        var before = new Dictionary<string, double> { ["s1"] = 2, ["s2"] = 1, ["s3"] = 0 };
        var after = doc.Shards.ToDictionary(s => s.Id, s => s.DesiredWeight);
        Assert.Equal("topology-changed", Assert.Throws<TopologyChangeException>(() => TopologyChanges.SwitchRouting(doc, before, after, new Dictionary<string, ulong>())).Code);
        var removed = TopologyChanges.Remove(TopologyChanges.Drain(doc, "s3"), "s3");
        var routing = removed.Shards.ToDictionary(s => s.Id, s => s.Weight);
        Assert.Equal("unknown-shard", Assert.Throws<TopologyChangeException>(() => TopologyChanges.SwitchRouting(removed, routing, after, new Dictionary<string, ulong>())).Code);
    }

    [Fact]
    public void Shards_flagged_for_the_fan_out_filter_carry_the_routing_rings_fingerprint_and_a_raised_read_floor()
    {
        var flagged = TopologyChanges.SetScatterFilter(TwoShards, new Dictionary<string, ulong> { ["s2"] = 7 }, on: true);
        var snapshot = flagged.ToSnapshot(3);
        Assert.Null(snapshot.ShardsById["s1"].VisibilityRing);
        Assert.Equal(snapshot.Ring.Fingerprint, snapshot.ShardsById["s2"].VisibilityRing);
        Assert.Equal(7UL, snapshot.ShardsById["s2"].ReadFloorLsn);
        var cleared = TopologyChanges.SetScatterFilter(flagged, new Dictionary<string, ulong> { ["s2"] = 5 }, on: false).ToSnapshot(4);
        Assert.Null(cleared.ShardsById["s2"].VisibilityRing);
        Assert.Equal(7UL, cleared.ShardsById["s2"].ReadFloorLsn);
    }

    [Fact]
    public void A_rings_fingerprint_names_its_shards_and_weights_whatever_their_order()
    {
        var a = HashRing.Create([new RingMember("s2", 1), new RingMember("s1", 2)], 10);
        var b = HashRing.Create([new RingMember("s1", 2), new RingMember("s2", 1)], 10);
        Assert.Equal("s1=2;s2=1@10", a.Fingerprint);
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, HashRing.Create([new RingMember("s1", 1), new RingMember("s2", 1)], 10).Fingerprint);
    }
}
