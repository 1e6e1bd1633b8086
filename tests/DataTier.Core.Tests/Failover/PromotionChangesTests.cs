using DataTier.Core.Failover;
using DataTier.Core.Topology;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Tests.Failover;

public sealed class PromotionChangesTests
{
    private static readonly TopologyDocument Document = new(100,
    [
        new TopologyShardEntry("s1", 1, 1, "Host=p", ["Host=r1", "Host=r2"]),
        new TopologyShardEntry("s2", 1, 1, "Host=q", ["Host=q1"]),
    ]);

    private static readonly DateTimeOffset At = new(2026, 12, 3, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_followed_promotion_makes_the_replica_primary_and_keeps_the_old_primary_as_replaced_never_routed()
    {
        var doc = TopologyChanges.FollowPromotion(Document, "s1", "Host=p", "Host=r2", timeline: 2, replacedTimeline: 1, At);
        var s1 = doc.ToSnapshot(8).ShardsById["s1"];
        Assert.Equal("Host=r2", s1.Primary.ConnectionString);
        Assert.Equal("s1-primary", s1.Primary.Id);
        Assert.Equal(["Host=r1"], s1.Replicas.Select(r => r.ConnectionString));
        Assert.Equal("s1-replaced1", Assert.Single(s1.Replaced).Id);
        Assert.Equal(NodeRole.Replaced, s1.Replaced[0].Role);
        Assert.DoesNotContain(s1.Nodes, n => n.ConnectionString == "Host=p");
        Assert.Equal(2, s1.PrimaryTimeline);
        Assert.Equal(new ReplacedPrimaryEntry("Host=p", 1, At), Assert.Single(doc.Shards[0].ReplacedPrimaries));
        Assert.Equal(Document.Shards[1], doc.Shards[1]);
    }

    [Fact]
    public void A_promotion_already_followed_is_refused_as_a_conflict()
    {
        var once = TopologyChanges.FollowPromotion(Document, "s1", "Host=p", "Host=r1", 2, 1, At);
        var error = Assert.Throws<TopologyChangeException>(() => TopologyChanges.FollowPromotion(once, "s1", "Host=p", "Host=r1", 2, 1, At));
        Assert.Equal("primary-changed", error.Code);
    }

    [Fact]
    public void A_replaced_primary_re_added_as_a_replica_is_routed_as_a_replica_and_no_longer_listed_as_replaced()
    {
        var followed = TopologyChanges.FollowPromotion(Document, "s1", "Host=p", "Host=r1", 2, 1, At);
        var readded = followed with { Shards = [followed.Shards[0] with { Replicas = [.. followed.Shards[0].Replicas, "Host=p"] }, followed.Shards[1]] };
        var s1 = readded.ToSnapshot(9).ShardsById["s1"];
        Assert.Empty(s1.Replaced);
        Assert.Contains(s1.Replicas, r => r.ConnectionString == "Host=p");
    }

    [Fact]
    public async Task A_configured_topology_follows_in_memory_once_when_two_rounds_propose_it_from_the_same_snapshot()
    {
        var options = Options.Create(new TopologyOptions
        {
            Shards = [new ShardOptions { Id = "s1", Weight = 1, Primary = "Host=p", Replicas = ["Host=r1"] }, new ShardOptions { Id = "s2", Weight = 1, Primary = "Host=q" }],
        });
        var provider = new ConfiguredTopologyProvider(options);
        var recorder = new ConfiguredPromotionRecorder(provider);
        var seen = provider.Current;
        var finding = new PromotionFinding("s1", seen.ShardsById["s1"].Primary, seen.ShardsById["s1"].Replicas[0], 2, 1, "unreachable");

        Assert.True(await recorder.RecordAsync(seen, finding, CancellationToken.None));
        Assert.False(await recorder.RecordAsync(seen, finding, CancellationToken.None));
        var now = provider.Current;
        Assert.Equal(seen.Version + 1, now.Version);
        Assert.Equal("Host=r1", now.ShardsById["s1"].Primary.ConnectionString);
        Assert.Empty(now.ShardsById["s1"].Replicas);
        Assert.Equal("Host=p", Assert.Single(now.ShardsById["s1"].Replaced).ConnectionString);
        Assert.Equal(seen.Ring, now.Ring);
        Assert.Same(now.ShardsById["s1"].Primary, now.NodesById["s1-primary"]);
    }
}
