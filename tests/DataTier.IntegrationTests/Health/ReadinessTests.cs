using System.Diagnostics;
using System.Net;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Health;

/// <summary>/health/ready means "this instance can serve"; a node down degrades a shard in /health/detailed instead.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ReadinessTests(ClusterFixture fixture)
{
    private const int ProbeMs = 250;

    [Fact(Timeout = 90_000)]
    public async Task A_stopped_replica_keeps_every_instance_ready_and_shows_down_in_detailed_health()
    {
        await using var first = await DataTierServer.StartAsync(fixture);
        await using var second = await DataTierServer.StartAsync(fixture);
        using var a = first.CreateClient(null);
        using var b = second.CreateClient(null);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(a, "/health/ready")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(b, "/health/ready")).Status);
        await fixture.Cluster.StopNodeAsync("s1-replica1", immediate: true);
        try
        {
            // Both instances see the replica down, and keep answering ready all along.
            var clock = Stopwatch.StartNew();
            bool seenDown = false;
            while (!seenDown && clock.ElapsedMilliseconds < 10_000)
            {
                foreach (var http in new[] { a, b })
                {
                    var (ready, readyBody) = await Api.GetAsync(http, "/health/ready");
                    Assert.True(ready == HttpStatusCode.OK, $"ready answered {(int)ready} while a replica was down: {readyBody?.ToJsonString()}");
                }

                var (sa, da) = await Api.GetAsync(a, "/health/detailed");
                var (sb, db) = await Api.GetAsync(b, "/health/detailed");
                seenDown = (string?)da!["checks"]!["nodes"]!["data"]!["s1-replica1"]!["status"] == "down"
                    && (string?)db!["checks"]!["nodes"]!["data"]!["s1-replica1"]!["status"] == "down";
                if (seenDown)
                {
                    Assert.Equal(HttpStatusCode.OK, sa);
                    Assert.Equal(HttpStatusCode.OK, sb);
                    Assert.Equal("degraded", (string?)da["status"]);
                    Assert.Equal("degraded", (string?)da["checks"]!["nodes"]!["status"]);
                    Assert.Contains("s1", da["checks"]!["nodes"]!["data"]!["degradedShards"]!.AsArray().Select(s => (string?)s));
                    Assert.DoesNotContain("s2", da["checks"]!["nodes"]!["data"]!["degradedShards"]!.AsArray().Select(s => (string?)s));
                }

                await Task.Delay(50);
            }

            Assert.True(seenDown, "both instances showed s1-replica1 down in /health/detailed within 10 s");
            // Ready stays 200 for a while after, not just at the first sight.
            for (int i = 0; i < 4 * 5; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(a, "/health/ready")).Status);
                Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(b, "/health/ready")).Status);
                await Task.Delay(ProbeMs / 5);
            }

            var metrics = await a.GetStringAsync("/metrics");
            Assert.Contains("datatier_shard_degraded{shard=\"s1\"} 1", metrics, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Cluster.StartNodeAsync("s1-replica1");
        }

        await Db.WaitUntilAsync(async () => (string?)(await Api.GetAsync(a, "/health/detailed")).Body!["status"] == "healthy", TimeSpan.FromSeconds(10), "health back to healthy after the replica restarted");
    }

    [Fact(Timeout = 90_000)]
    public async Task Ready_turns_503_when_the_catalog_stops_and_200_when_it_is_back()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var http = server.CreateClient(null);
        var (before, beforeBody) = await Api.GetAsync(http, "/health/ready");
        Assert.Equal(HttpStatusCode.OK, before);
        Assert.Equal("healthy", (string?)beforeBody!["checks"]!["catalog"]);
        await fixture.Cluster.StopNodeAsync("catalog", immediate: false);
        try
        {
            var clock = Stopwatch.StartNew();
            var (status, body) = await Api.GetAsync(http, "/health/ready");
            while (status == HttpStatusCode.OK && clock.ElapsedMilliseconds < 10_000)
            {
                await Task.Delay(50);
                (status, body) = await Api.GetAsync(http, "/health/ready");
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("not-ready", (string?)body!["status"]);
            Assert.Equal("unhealthy", (string?)body["checks"]!["catalog"]);
            Assert.Equal("healthy", (string?)body["checks"]!["topology"]);
            // Liveness is not readiness: the process is fine.
            Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(http, "/health/live")).Status);
        }
        finally
        {
            await fixture.Cluster.StartNodeAsync("catalog");
        }

        await Db.WaitUntilAsync(async () => (await Api.GetAsync(http, "/health/ready")).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "ready again once the catalog is back");
    }
}
