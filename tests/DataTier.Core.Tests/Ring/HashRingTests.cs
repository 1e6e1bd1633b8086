using DataTier.Core.Hashing;
using DataTier.Core.Ring;

namespace DataTier.Core.Tests.Ring;

public sealed class HashRingTests
{
    private const int KeyCount = 1_000_000;
    private static readonly Lazy<long[]> Positions = new(() =>
    {
        var positions = new long[KeyCount];
        for (int i = 0; i < KeyCount; i++)
        {
            positions[i] = PostgresHash.HashText($"key-{i}");
        }

        return positions;
    });

    [Fact]
    public void Eight_equal_shards_hold_at_most_110_percent_of_the_mean_for_twenty_sets_of_ids()
    {
        var positions = Positions.Value;
        var worst = new List<double>();
        for (int set = 0; set < 20; set++)
        {
            var random = new Random(1000 + set);
            var ids = Enumerable.Range(0, 8).Select(i => $"{(char)('a' + random.Next(26))}{random.Next(100_000)}-{set}-{i}").ToArray();
            var ring = HashRing.Create(ids.Select(id => new RingMember(id, 1)));
            var counts = Count(ring, positions);
            double mean = KeyCount / 8.0;
            worst.Add(counts.Max() / mean);
        }

        Assert.All(worst, ratio => Assert.True(ratio <= 1.10, $"max/mean {ratio:F4} over the 20 sets: {string.Join(", ", worst.Select(w => w.ToString("F3")))}"));
    }

    [Fact]
    public void A_weight_two_shard_gets_twice_the_keys_of_a_weight_one_shard()
    {
        var ring = HashRing.Create([new RingMember("s1", 1), new RingMember("s2", 2), new RingMember("s3", 1)]);
        var counts = Count(ring, Positions.Value);
        double ratio = counts[1] / (double)counts[0];
        double ratio3 = counts[1] / (double)counts[2];
        Assert.InRange(ratio, 1.8, 2.2);
        Assert.InRange(ratio3, 1.8, 2.2);
    }

    [Fact]
    public void Adding_a_ninth_shard_moves_about_one_ninth_of_keys_all_to_the_new_shard()
    {
        var ids = Enumerable.Range(1, 8).Select(i => $"s{i}").ToList();
        var before = HashRing.Create(ids.Select(id => new RingMember(id, 1)));
        var after = HashRing.Create(ids.Append("s9").Select(id => new RingMember(id, 1)));
        int moved = 0;
        foreach (long p in Positions.Value)
        {
            string from = before.GetShardForPosition(p);
            string to = after.GetShardForPosition(p);
            if (from != to)
            {
                moved++;
                Assert.Equal("s9", to);
            }
        }

        double fraction = moved / (double)KeyCount;
        Assert.InRange(fraction, (1.0 / 9) * 0.9, (1.0 / 9) * 1.1);
    }

    [Fact]
    public void Removing_a_shard_moves_only_that_shards_keys()
    {
        var ids = Enumerable.Range(1, 8).Select(i => $"s{i}").ToList();
        var before = HashRing.Create(ids.Select(id => new RingMember(id, 1)));
        var after = HashRing.Create(ids.Where(id => id != "s3").Select(id => new RingMember(id, 1)));
        foreach (long p in Positions.Value)
        {
            string from = before.GetShardForPosition(p);
            if (from != "s3")
            {
                Assert.Equal(from, after.GetShardForPosition(p));
            }
        }
    }

    [Fact]
    public void Lookup_of_a_key_allocates_nothing()
    {
        var ring = HashRing.Create(Enumerable.Range(1, 8).Select(i => new RingMember($"s{i}", 1)));
        ring.GetShard("team-1");
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            ring.GetOwnerIndex(PostgresHash.HashText("team-42"));
            ring.GetShard("team-42");
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_key_maps_to_a_fixed_shard_whatever_the_process()
    {
        // Positions come from PostgreSQL's hash, not string.GetHashCode (randomised per process), so the owner of a
        // key is a constant: these were computed once and must never change without a data migration.
        var ring = HashRing.Create(Enumerable.Range(1, 2).Select(i => new RingMember($"s{i}", 1)));
        Assert.Equal(ring.GetShard("team-42"), HashRing.Create(Enumerable.Range(1, 2).Select(i => new RingMember($"s{i}", 1))).GetShard("team-42"));
        Assert.Equal(-4352505759760220499L, PostgresHash.HashText("team-42"));
    }

    [Fact]
    public void Ranges_cover_the_whole_space_and_agree_with_lookup()
    {
        var ring = HashRing.Create(Enumerable.Range(1, 3).Select(i => new RingMember($"s{i}", 1)), virtualNodesPerWeight: 50);
        var ranges = ring.GetRanges();
        Assert.Equal(long.MinValue, ranges[0].Start);
        Assert.True(ranges[0].IncludesStart);
        Assert.Equal(long.MaxValue, ranges[^1].End);
        for (int i = 1; i < ranges.Count; i++)
        {
            Assert.Equal(ranges[i - 1].End, ranges[i].Start);
        }

        foreach (long p in Positions.Value.Take(100_000).Append(long.MinValue).Append(long.MaxValue))
        {
            var owning = ranges.Where(r => r.Contains(p)).ToList();
            Assert.Single(owning);
            Assert.Equal(ring.GetShardForPosition(p), owning[0].ShardId);
        }
    }

    [Fact]
    public void Duplicate_ids_and_non_positive_weights_are_refused()
    {
        Assert.Throws<ArgumentException>(() => HashRing.Create([new RingMember("a", 1), new RingMember("a", 1)]));
        Assert.Throws<ArgumentException>(() => HashRing.Create([new RingMember("a", 0)]));
        Assert.Throws<ArgumentException>(() => HashRing.Create([new RingMember("a", double.NaN)]));
    }

    private static int[] Count(HashRing ring, long[] positions)
    {
        var counts = new int[ring.Members.Length];
        foreach (long p in positions)
        {
            counts[ring.GetOwnerIndex(p)]++;
        }

        return counts;
    }
}
