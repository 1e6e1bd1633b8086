using DataTier.Core.Ownership;
using DataTier.Core.Ring;

namespace DataTier.Core.Tests.Ownership;

public sealed class GuardRingTests
{
    private static readonly HashRing TwoShards = HashRing.Create([new RingMember("s1", 1), new RingMember("s2", 1)], 200);
    private static readonly HashRing ThreeShards = HashRing.Create([new RingMember("s1", 1), new RingMember("s2", 1), new RingMember("s3", 1)], 200);

    [Fact]
    public void A_rings_ranges_name_the_owner_the_ring_routes_every_position_to()
    {
        var guard = GuardRing.Of(TwoShards);
        var random = new Random(7);
        for (int i = 0; i < 100_000; i++)
        {
            long position = random.NextInt64(long.MinValue, long.MaxValue);
            Assert.Equal(TwoShards.GetShardForPosition(position), guard.OwnerOf(position));
        }

        Assert.Equal(TwoShards.GetShardForPosition(long.MinValue), guard.OwnerOf(long.MinValue));
        Assert.Equal(TwoShards.GetShardForPosition(long.MaxValue), guard.OwnerOf(long.MaxValue));
    }

    [Fact]
    public void Ranges_ascend_end_at_the_largest_position_and_never_repeat_an_owner_twice_in_a_row()
    {
        var guard = GuardRing.Of(ThreeShards);
        Assert.Equal(long.MaxValue, guard.Ends[^1]);
        Assert.Equal(guard.Ends.Length, guard.Owners.Length);
        for (int i = 1; i < guard.Ends.Length; i++)
        {
            Assert.True(guard.Ends[i - 1] < guard.Ends[i]);
            Assert.NotEqual(guard.Owners[i - 1], guard.Owners[i]);
        }

        Assert.Equal(ThreeShards.Fingerprint, guard.Fingerprint);
    }

    [Fact]
    public void A_transition_accepts_on_a_shard_what_it_owns_on_either_ring_and_names_the_new_owner_elsewhere()
    {
        var transition = GuardRing.Transition("s3", TwoShards, ThreeShards);
        var random = new Random(11);
        for (int i = 0; i < 100_000; i++)
        {
            long position = random.NextInt64(long.MinValue, long.MaxValue);
            string before = TwoShards.GetShardForPosition(position), after = ThreeShards.GetShardForPosition(position);
            string expected = before == "s3" || after == "s3" ? "s3" : after;
            Assert.Equal(expected, transition.OwnerOf(position));
        }

        Assert.StartsWith(GuardRing.TransitionPrefix, transition.Fingerprint, StringComparison.Ordinal);
        Assert.NotEqual(GuardRing.Transition("s1", TwoShards, ThreeShards).Fingerprint, transition.Fingerprint);
    }

    [Fact]
    public void A_source_in_transition_still_accepts_the_ranges_it_gives_away()
    {
        var transition = GuardRing.Transition("s1", TwoShards, ThreeShards);
        var random = new Random(13);
        int given = 0;
        for (int i = 0; i < 100_000; i++)
        {
            long position = random.NextInt64(long.MinValue, long.MaxValue);
            if (TwoShards.GetShardForPosition(position) == "s1" && ThreeShards.GetShardForPosition(position) == "s3")
            {
                given++;
                Assert.Equal("s1", transition.OwnerOf(position));
            }
        }

        Assert.True(given > 1000, $"only {given} sampled positions move from s1 to s3");
    }

    [Theory]
    [InlineData("owner=s2; shard=s1; position=42; topology_version=3", null, "s2")]
    [InlineData("owner=shard-east; shard=s1", null, "shard-east")]
    [InlineData("owner=", null, null)]
    [InlineData("owner=; shard=s1", null, null)]
    [InlineData("something else", null, null)]
    [InlineData(null, null, null)]
    [InlineData(null, "a row of \"tasks\" belongs to shard s2 by its team_id column, not to this shard (s1)", "s2")]
    [InlineData("Detail redacted", "a row of \"tasks\" belongs to shard (none) by its team_id column, not to this shard (s1)", null)]
    [InlineData(null, "belongs to shard s2", null)]
    public void The_owner_is_read_from_a_refusals_detail_or_else_its_message(string? detail, string? message, string? owner) =>
        Assert.Equal(owner, OwnershipGuard.OwnerOf(detail, message));
}
