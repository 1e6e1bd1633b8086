using System.Globalization;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>Rows written through the wire, checked on each shard's primary against the ring: keys behind a prefix unique to the test.</summary>
internal static class WirePlacement
{
    /// <summary>A prefix unique to this run, so that tests see only their own rows of the shared demo tables.</summary>
    public static string Prefix(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 13)] + "-";

    /// <summary><paramref name="count"/> keys <c>prefix0</c>, <c>prefix1</c>, ...</summary>
    public static List<string> Keys(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}"))];

    /// <summary>The first key <c>prefix&lt;n&gt;</c> that the ring places on <paramref name="shardId"/>.</summary>
    public static string KeyOn(ClusterFixture fixture, string shardId, string prefix) =>
        Keys(prefix, 10_000).First(k => fixture.Ring.GetShard(k) == shardId);

    /// <summary>Each shard's primary holds exactly the keys of <paramref name="keys"/> the ring gives it, each once.</summary>
    public static async Task AssertOnRingAsync(ClusterFixture fixture, IReadOnlyCollection<string> keys, string prefix)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            var expected = keys.Where(t => fixture.Ring.GetShard(t) == shard.Id).ToHashSet();
            var onPrimary = await Db.StringsAsync(shard.Primary, $"select team_id from tasks where team_id like '{prefix}%'");
            Assert.NotEmpty(expected);
            Assert.Equal(onPrimary.Count, onPrimary.Distinct().Count());
            Assert.True(expected.SetEquals(onPrimary), $"{shard.Id}: {expected.Except(onPrimary).Count()} rows missing, {onPrimary.Except(expected).Count()} rows of other shards");
        }
    }

    /// <summary>No shard's primary holds a row of the prefix.</summary>
    public static async Task AssertNoneAsync(ClusterFixture fixture, string prefix)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            Assert.Equal(0L, await Db.ScalarAsync<long>(shard.Primary, $"select count(*) from tasks where team_id like '{prefix}%'"));
        }
    }

    public static async Task DeleteAsync(ClusterFixture fixture, string prefix)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            await Db.ExecuteAsync(shard.Primary, $"delete from tasks where team_id like '{prefix}%'");
        }
    }
}
