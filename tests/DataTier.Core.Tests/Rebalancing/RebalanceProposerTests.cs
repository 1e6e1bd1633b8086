using DataTier.Core.Rebalancing;

namespace DataTier.Core.Tests.Rebalancing;

public sealed class RebalanceProposerTests
{
    [Fact]
    public void Load_is_bytes_per_unit_of_ring_share_against_the_mean()
    {
        var loads = RebalanceProposer.Loads([("s1", 1, 100, 300, 0), ("s2", 1, 100, 100, 0), ("s3", 2, 100, 400, 0)]);
        Assert.Equal([1.5, 0.5, 1.0], loads.Select(l => Math.Round(l.Load, 6)));
        Assert.Equal(1.5, RebalanceProposer.Imbalance(loads), 6);
    }

    [Fact]
    public void Within_the_threshold_nothing_is_proposed()
    {
        var loads = RebalanceProposer.Loads([("s1", 1, 0, 120, 0), ("s2", 1, 0, 100, 0)]);
        Assert.Null(RebalanceProposer.Propose(loads, 1.25));
    }

    [Fact]
    public void An_overloaded_shard_is_proposed_less_weight_an_underloaded_more_and_the_total_is_kept()
    {
        var loads = RebalanceProposer.Loads([("s1", 1, 0, 300, 0), ("s2", 1, 0, 100, 0)]);
        var weights = RebalanceProposer.Propose(loads, 1.25)!;
        Assert.True(weights["s1"] < 1 && weights["s2"] > 1);
        Assert.Equal(2, weights.Values.Sum(), 2);
        // If each shard's bytes per unit of ring stay as measured, the bytes under the proposed weights come out even.
        Assert.Equal(300 * weights["s1"], 100 * weights["s2"], 0);
    }

    [Fact]
    public void Empty_shards_give_no_imbalance()
    {
        var loads = RebalanceProposer.Loads([("s1", 1, 0, 0, 0), ("s2", 1, 0, 0, 0)]);
        Assert.Equal(1, RebalanceProposer.Imbalance(loads));
        Assert.Null(RebalanceProposer.Propose(loads, 1.0));
    }
}
