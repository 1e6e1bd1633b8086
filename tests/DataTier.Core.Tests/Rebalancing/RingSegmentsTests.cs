using DataTier.Core.Rebalancing;
using DataTier.Core.Ring;

namespace DataTier.Core.Tests.Rebalancing;

public sealed class RingSegmentsTests
{
    private static HashRing Ring(params (string Id, double Weight)[] members) =>
        HashRing.Create(members.Select(m => new RingMember(m.Id, m.Weight)), 200);

    [Fact]
    public void Segments_cover_the_whole_ring_in_order_without_gaps()
    {
        var segments = RingSegments.Between(Ring(("s1", 1), ("s2", 1)), Ring(("s1", 1), ("s2", 1), ("s3", 1)));
        Assert.Equal(long.MinValue, segments[0].Start);
        Assert.True(segments[0].IncludesStart);
        Assert.Equal(long.MaxValue, segments[^1].End);
        for (int i = 1; i < segments.Count; i++)
        {
            Assert.Equal(segments[i - 1].End, segments[i].Start);
            Assert.False(segments[i].IncludesStart);
            Assert.False(segments[i - 1].From == segments[i].From && segments[i - 1].To == segments[i].To, "neighbours with the same owners are merged");
        }
    }

    [Fact]
    public void Adding_a_shard_moves_rows_only_to_it_and_about_its_share_of_the_ring()
    {
        var segments = RingSegments.Between(Ring(("s1", 1), ("s2", 1)), Ring(("s1", 1), ("s2", 1), ("s3", 1)));
        Assert.All(segments.Where(s => s.Moves), s => Assert.Equal("s3", s.To));
        double moved = segments.Where(s => s.Moves).Sum(s => ((double)s.End - s.Start) / Math.Pow(2, 64));
        Assert.InRange(moved, 1.0 / 3 - 0.05, 1.0 / 3 + 0.05);
    }

    [Fact]
    public void Draining_a_shard_moves_every_one_of_its_positions_and_nothing_else()
    {
        var routing = Ring(("s1", 1), ("s2", 1), ("s3", 1));
        var segments = RingSegments.Between(routing, Ring(("s1", 1), ("s2", 1)));
        Assert.All(segments, s => Assert.Equal(s.From == "s3", s.Moves));
    }

    [Fact]
    public void Width_bucket_over_the_thresholds_numbers_each_position_by_its_segment()
    {
        var segments = RingSegments.Between(Ring(("s1", 1), ("s2", 2)), Ring(("s1", 1), ("s2", 1), ("s3", 1)));
        var thresholds = RingSegments.Thresholds(segments);
        var random = new Random(7);
        var probes = Enumerable.Range(0, 5000).Select(_ => random.NextInt64(long.MinValue, long.MaxValue))
            .Concat(segments.SelectMany(s => new[] { s.End, s.End == long.MaxValue ? s.End : s.End + 1 })).Append(long.MinValue);
        foreach (long position in probes)
        {
            // PostgreSQL's width_bucket(operand, thresholds): how many thresholds are <= the operand.
            int bucket = thresholds.Count(t => t <= position);
            var segment = segments[bucket];
            Assert.True((position > segment.Start || (segment.IncludesStart && position == segment.Start)) && position <= segment.End,
                $"position {position} numbered {bucket}: ({segment.Start}, {segment.End}]");
        }
    }
}
