using System.Net;
using DataTier.Core.Caching;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DataTier.IntegrationTests.Caching.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class RedisClusterFailoverTests(ClusterFixture fixture, RedisClusterFixture redis) : IClassFixture<RedisClusterFixture>
{
    // 10 s of cached reads (and 5% writes, which bump versions) through two instances; 2 s in, the master that owns
    // the s1.users version (and a third of the L2 entries) is killed with SIGKILL and its replica takes over. Not one
    // request may fail; afterwards both feeds must prove themselves live again (every partition answering, those on
    // the promoted replica included) and a write through one instance must reach the other's memory.
    [Fact]
    public async Task Killing_a_master_under_load_fails_no_request_and_the_feed_comes_back_live()
    {
        await using var a = await DataTierServer.StartAsync(fixture, redis.ServerSettings);
        await using var b = await DataTierServer.StartAsync(fixture, redis.ServerSettings);
        var layout = new FeedLayout(redis.ServerSettings!["DataTier:Redis:KeyPrefix"]!, cluster: true);
        string versionKey = layout.VersionKey(layout.Partition("s1", "users"), "s1", "users").ToString();
        int victim = await redis.MasterOwningAsync(versionKey);
        await WaitLiveAsync(a);
        await WaitLiveAsync(b);

        // Each runner numbers its inserted users itself, so each gets its own teams (no duplicate keys between them).
        var keys = Enumerable.Range(0, 16).Select(i => i % 2 == 0 ? "s1" : "s2").Select((shard, i) => (shard, fixture.KeyOnShard(shard, $"rc-kill-{i}"))).ToList();
        using var clientA = a.CreateClient(fixture.Manifest.Keys.App);
        using var clientB = b.CreateClient(fixture.Manifest.Keys.App);
        var loadA = new LoadRunner(clientA, keys[..8]);
        var loadB = new LoadRunner(clientB, keys[8..]);
        var running = Task.WhenAll(
            loadA.RunAsync(workers: 8, writeShare: 0.05, readConsistency: "eventual", TimeSpan.FromSeconds(10), CancellationToken.None),
            loadB.RunAsync(workers: 8, writeShare: 0.05, readConsistency: "eventual", TimeSpan.FromSeconds(10), CancellationToken.None));
        await Task.Delay(TimeSpan.FromSeconds(2));
        redis.Kill(victim);
        var killedAt = DateTime.UtcNow;
        await redis.WaitForPromotionAsync(versionKey, victim, TimeSpan.FromSeconds(15));
        var recoveredAt = DateTime.UtcNow;
        await running;

        var samples = loadA.Samples.Concat(loadB.Samples).ToList();
        string summary = LoadRunner.Describe("load", samples) + $"; failover took {(recoveredAt - killedAt).TotalMilliseconds:F0} ms";
        Assert.True(samples.All(s => s.Status == HttpStatusCode.OK), summary + "; failures: " + string.Join(", ", samples.Where(s => s.Status != HttpStatusCode.OK).Take(5).Select(s => $"{s.Status} {s.ProblemType}")));
        Assert.True(samples.Count(s => s.At > killedAt && s.At < recoveredAt) > 0, "no request ran while the master was down: " + summary);
        Assert.True(samples.Count(s => s.Write && s.At > killedAt) > 0, "no write ran after the kill: " + summary);
        // The kill was noticed (the feed broke: hits went to Redis until every partition answered again).
        Assert.Contains(a.Logs.Lines.Concat(b.Logs.Lines), l => l.Contains($"[{Core.Diagnostics.LogEventIds.CacheFeedBroken}]", StringComparison.Ordinal));

        // The feed is live again on the cluster as it is now, and carries a write from one instance to the other.
        await WaitLiveAsync(a);
        await WaitLiveAsync(b);
        string team = fixture.KeyOnShard("s1", "rc-after");
        object read = new { shardKey = team, sql = "select user_id from users where team_id = @t", @params = new { t = team } };
        Assert.Equal(0, (int)(await Api.OkAsync(clientB, "/v1/query", read))["rowCount"]!);
        await Api.OkAsync(clientA, "/v1/execute", new { shardKey = team, sql = "insert into users (team_id, user_id, email) values (@t, 1, 'x')", @params = new { t = team } });
        int bound = b.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CacheOptions>>().Value.MaxStalenessMs;
        await Task.Delay(bound * 2);
        Assert.Equal(1, (int)(await Api.OkAsync(clientB, "/v1/query", read))["rowCount"]!);
    }

    private static async Task WaitLiveAsync(DataTierServer server)
    {
        var versions = server.Services.GetRequiredService<TableVersions>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (versions.FeedAgeMs is not (double age and < 1000))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the cache feed did not come back live (age {versions.FeedAgeMs?.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");
            await Task.Delay(50);
        }
    }
}
