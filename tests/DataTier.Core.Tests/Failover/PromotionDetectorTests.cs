using System.Collections.Immutable;
using DataTier.Core.Failover;
using DataTier.Core.Health;
using DataTier.Core.Topology;

namespace DataTier.Core.Tests.Failover;

public sealed class PromotionDetectorTests
{
    private static readonly ShardDefinition Shard = new(
        "s1",
        1,
        new NodeDefinition("s1-primary", "s1", NodeRole.Primary, "Host=p"),
        [new NodeDefinition("s1-replica1", "s1", NodeRole.Replica, "Host=r1"), new NodeDefinition("s1-replica2", "s1", NodeRole.Replica, "Host=r2")]);

    private static NodeHealth Down(int failures, int timeline = 1) =>
        new() { NodeId = "x", Role = NodeRole.Primary, Reachable = false, ConsecutiveFailures = failures, Timeline = timeline };

    private static NodeHealth Up(bool inRecovery, int timeline, ulong lsn = 100) =>
        new() { NodeId = "x", Role = NodeRole.Replica, Reachable = true, InRecovery = inRecovery, Timeline = timeline, Lsn = lsn };

    private static Func<NodeDefinition, NodeHealth> Health(NodeHealth primary, NodeHealth replica1, NodeHealth replica2) =>
        node => node.Id switch
        {
            "s1-primary" => primary,
            "s1-replica1" => replica1,
            _ => replica2,
        };

    [Fact]
    public void A_replica_still_in_recovery_is_never_chosen_however_long_the_primary_is_unreachable() =>
        Assert.Null(PromotionDetector.Find(Shard, Health(Down(failures: 1000), Up(true, 1), Up(true, 1)), lastPrimaryTimeline: 1, primaryFailuresBeforeFollowing: 1));

    [Fact]
    public void A_replica_out_of_recovery_on_a_newer_timeline_replaces_an_unreachable_primary()
    {
        var finding = PromotionDetector.Find(Shard, Health(Down(failures: 2), Up(true, 1), Up(false, 2)), lastPrimaryTimeline: 1, primaryFailuresBeforeFollowing: 2);
        Assert.NotNull(finding);
        Assert.Equal("s1-replica2", finding.Promoted.Id);
        Assert.Equal(2, finding.Timeline);
        Assert.Equal(1, finding.ReplacedTimeline);
        Assert.Equal("unreachable", finding.Reason);
    }

    [Fact]
    public void An_unreachable_primary_is_not_replaced_before_its_failures_reach_the_threshold() =>
        Assert.Null(PromotionDetector.Find(Shard, Health(Down(failures: 1), Up(false, 2), Up(true, 1)), lastPrimaryTimeline: 1, primaryFailuresBeforeFollowing: 3));

    [Fact]
    public void A_replica_out_of_recovery_on_the_primarys_own_timeline_is_not_a_promotion() =>
        Assert.Null(PromotionDetector.Find(Shard, Health(Down(failures: 5), Up(false, 3), Up(true, 3)), lastPrimaryTimeline: 3, primaryFailuresBeforeFollowing: 1));

    [Fact]
    public void The_timeline_recorded_in_the_topology_counts_when_this_instance_never_saw_the_primary() =>
        Assert.Null(PromotionDetector.Find(Shard with { PrimaryTimeline = 4 }, Health(Down(failures: 5, timeline: 0), Up(false, 4), Up(true, 4)), lastPrimaryTimeline: 0, primaryFailuresBeforeFollowing: 1));

    [Fact]
    public void A_primary_that_became_a_standby_is_replaced_by_the_promoted_replica()
    {
        var finding = PromotionDetector.Find(Shard, Health(Up(true, 2), Up(false, 2), Up(true, 2)), lastPrimaryTimeline: 1, primaryFailuresBeforeFollowing: 1);
        Assert.Equal("s1-replica1", finding?.Promoted.Id);
        Assert.Equal("in recovery", finding?.Reason);
    }

    [Fact]
    public void A_serving_primary_on_an_older_timeline_is_the_stale_side_of_a_split_brain()
    {
        var finding = PromotionDetector.Find(Shard, Health(Up(false, 1), Up(false, 2), Up(true, 2)), lastPrimaryTimeline: 1, primaryFailuresBeforeFollowing: 1);
        Assert.Equal("s1-replica1", finding?.Promoted.Id);
        Assert.Equal("on an older timeline", finding?.Reason);
    }

    [Fact]
    public void Two_serving_primaries_with_no_known_timeline_are_left_alone() =>
        Assert.Null(PromotionDetector.Find(Shard, Health(Up(false, 0), Up(false, 2), Up(true, 1)), lastPrimaryTimeline: 0, primaryFailuresBeforeFollowing: 1));

    [Fact]
    public void Of_two_promoted_replicas_the_newer_timeline_then_the_further_lsn_wins()
    {
        var byTimeline = PromotionDetector.Find(Shard, Health(Down(3), Up(false, 3, lsn: 10), Up(false, 2, lsn: 999)), 1, 1);
        Assert.Equal("s1-replica1", byTimeline?.Promoted.Id);
        var byLsn = PromotionDetector.Find(Shard, Health(Down(3), Up(false, 2, lsn: 10), Up(false, 2, lsn: 999)), 1, 1);
        Assert.Equal("s1-replica2", byLsn?.Promoted.Id);
    }
}
