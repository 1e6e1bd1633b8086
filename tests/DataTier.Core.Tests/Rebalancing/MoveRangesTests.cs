using DataTier.Core.Hashing;
using DataTier.Core.Rebalancing;
using DataTier.Core.Rebalancing.Moves;
using DataTier.Core.Ring;

namespace DataTier.Core.Tests.Rebalancing;

public sealed class MoveRangesTests
{
    private static MoveSpec TwoToThree() => new(
        1,
        100,
        new Dictionary<string, double> { ["s1"] = 1, ["s2"] = 1, ["s3"] = 0 },
        new Dictionary<string, double> { ["s1"] = 1, ["s2"] = 1, ["s3"] = 1 },
        [new ShardedTable("teams", "team_id")],
        500);

    // PostgreSQL's width_bucket(x, thresholds): how many thresholds are <= x.
    private static int WidthBucket(long position, long[] thresholds) => thresholds.Count(t => t <= position);

    [Fact]
    public void The_targets_array_indexed_like_the_shards_do_names_exactly_the_moving_keys_new_owner()
    {
        var spec = TwoToThree();
        var ranges = spec.Ranges();
        var before = spec.RoutingRing();
        var after = spec.TargetRing();
        var targets = ranges.Sources.ToDictionary(s => s, ranges.TargetsFrom);
        for (int i = 0; i < 20_000; i++)
        {
            string key = $"team-{i}";
            long position = PostgresHash.HashText(key);
            string from = before.GetShard(key), to = after.GetShard(key);
            // The 1-based SQL index width_bucket(...) + 1 is the 0-based C# index width_bucket(...).
            string? named = targets.TryGetValue(from, out var array) ? array[WidthBucket(position, ranges.Thresholds)] : null;
            Assert.Equal(from == to ? null : to, named);
        }
    }

    [Fact]
    public void Adding_a_shard_moves_rows_only_to_it_from_every_other_shard()
    {
        var pairs = TwoToThree().Ranges().Pairs;
        Assert.Equal([("s1", "s3"), ("s2", "s3")], pairs.Select(p => (p.From, p.To)));
        Assert.All(pairs, p => Assert.True(p.Segments > 0));
    }

    [Fact]
    public void The_copy_slices_cover_the_ring_space_without_gaps_or_overlaps()
    {
        var (first, _) = ShardMoveOperations.Slice(0);
        Assert.Equal(long.MinValue, first);
        for (int i = 1; i < ShardMoveOperations.Slices; i++)
        {
            Assert.Equal(ShardMoveOperations.Slice(i - 1).High + 1, ShardMoveOperations.Slice(i).Low);
        }

        Assert.Equal(long.MaxValue, ShardMoveOperations.Slice(ShardMoveOperations.Slices - 1).High);
    }

    [Fact]
    public void A_spec_rebuilds_the_same_rings_whatever_the_order_of_its_weights()
    {
        var spec = TwoToThree();
        var reordered = spec with { RoutingWeights = new Dictionary<string, double> { ["s3"] = 0, ["s2"] = 1, ["s1"] = 1 } };
        var a = spec.RoutingRing().GetRanges();
        var b = reordered.RoutingRing().GetRanges();
        Assert.Equal(a, b);
        Assert.Equal(HashRing.Create([new RingMember("s1", 1), new RingMember("s2", 1)], 100).GetRanges(), a);
    }

    [Fact]
    public void Status_reports_rate_and_eta_from_the_copy_and_no_eta_once_copied()
    {
        var started = DateTimeOffset.Parse("2026-11-23T10:00:00Z");
        var progress = new MoveProgress
        {
            Phase = MovePhases.Copying,
            CopyStartedAt = started,
            Pairs = [new PairProgress { From = "s1", To = "s3", RowsPlanned = 1000, RowsCopied = 250 }],
        };
        var move = new MoveRecord(1, MoveStates.Running, TwoToThree(), progress, null, "i", false, started, started, null);
        var status = MoveStatus.From(move, started.AddSeconds(5));
        Assert.Equal(50, status.RowsPerSecond!.Value, 6);
        Assert.Equal(15, status.EtaSeconds!.Value, 6);

        progress.CopyFinishedAt = started.AddSeconds(10);
        progress.Phase = MovePhases.CatchingUp;
        Assert.Null(MoveStatus.From(move, started.AddSeconds(20)).EtaSeconds);
    }
}
