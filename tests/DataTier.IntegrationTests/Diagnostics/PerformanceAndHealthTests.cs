using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Diagnostics;

[Collection(ClusterCollection.Name)]
public sealed class PerformanceAndHealthTests(ClusterFixture fixture)
{
    private const int ProbeMs = 250;

    private static JsonNode Node(JsonNode performance, string nodeId) =>
        performance["shards"]!.AsArray().SelectMany(s => s!["nodes"]!.AsArray()).Single(n => (string?)n!["id"] == nodeId)!;

    [Fact]
    public async Task Performance_reports_tps_under_load_replication_lag_and_an_unused_index()
    {
        string index = "dt_it_unused_" + Guid.NewGuid().ToString("N")[..8];
        await Db.ExecuteAsync(fixture.Shard("s1").PrimaryAdmin, $"create index {index} on users (email)");
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Diagnostics:SampleIntervalMs"] = "500" });
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        string team = fixture.KeyOnShard("s1", "perf");

        var load = Stopwatch.StartNew();
        int n = 0;
        while (load.ElapsedMilliseconds < 2000)
        {
            await Api.OkAsync(app, "/v1/execute", new { shardKey = team, sql = "insert into users (team_id, user_id, email) values (@t, @u, 'x')", @params = new { t = team, u = n++ } });
        }

        var (_, performance) = await Api.GetAsync(admin, "/admin/db/performance?history=1h");
        var primary = Node(performance!, "s1-primary");
        Assert.True((double)primary["rates"]!["commitsPerSecond"]! > 0, primary.ToJsonString());
        Assert.NotEmpty(primary["history"]!.AsArray());
        Assert.Contains(primary["findings"]!["unusedIndexes"]!.AsArray(), i => (string?)i!["index"] == index);
        Assert.True((int)primary["rates"]!["maxConnections"]! > 0);

        // Replication lag grows while replay is paused and falls once it resumes.
        var replica = fixture.Cluster.GetNode("s1-replica1");
        await Db.ExecuteAsync(replica.SuperuserConnectionString, "select pg_wal_replay_pause()");
        long pausedLag;
        try
        {
            for (int i = 0; i < 50; i++)
            {
                await Api.OkAsync(app, "/v1/execute", new { shardKey = team, sql = "insert into users (team_id, user_id, email) values (@t, @u, 'y')", @params = new { t = team, u = n++ } });
            }

            await Task.Delay(3 * ProbeMs);
            (_, performance) = await Api.GetAsync(admin, "/admin/db/performance");
            pausedLag = (long)Node(performance!, "s1-replica1")["lagBytes"]!;
            Assert.True(pausedLag > 0, "lag in bytes grows while replay is paused");
            Assert.True((double)Node(performance!, "s1-replica1")["lagSeconds"]! > 0);
        }
        finally
        {
            await Db.ExecuteAsync(replica.SuperuserConnectionString, "select pg_wal_replay_resume()");
        }

        long resumedLag = long.MaxValue;
        for (int i = 0; i < 40 && resumedLag >= pausedLag; i++)
        {
            await Task.Delay(ProbeMs);
            (_, performance) = await Api.GetAsync(admin, "/admin/db/performance");
            resumedLag = (long)Node(performance!, "s1-replica1")["lagBytes"]!;
        }

        Assert.True(resumedLag < pausedLag, $"lag fell from {pausedLag} to {resumedLag} bytes after resume");
        await Db.ExecuteAsync(fixture.Shard("s1").PrimaryAdmin, $"drop index {index}");
    }

    [Fact]
    public async Task A_stopped_primary_degrades_its_shard_within_two_probe_intervals_keeps_the_instance_ready_and_heals_after_restart()
    {
        // Issue 16 changed the contract: a lost primary of one shard is "degraded", not "not ready" (readiness is
        // "can this instance serve"; the other shard still can). This test used to expect ready to turn 503.
        await using var server = await DataTierServer.StartAsync(fixture);
        using var http = server.CreateClient(null);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(http, "/health/ready")).Status);
        await fixture.Cluster.StopNodeAsync("s2-primary", immediate: false);
        try
        {
            var clock = Stopwatch.StartNew();
            string? nodeStatus = "up";
            JsonNode? detailed = null;
            while (nodeStatus != "down" && clock.ElapsedMilliseconds < 5000)
            {
                Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(http, "/health/ready")).Status);
                HttpStatusCode detailedStatus;
                (detailedStatus, detailed) = await Api.GetAsync(http, "/health/detailed");
                Assert.Equal(HttpStatusCode.OK, detailedStatus);
                nodeStatus = (string?)detailed!["checks"]!["nodes"]!["data"]!["s2-primary"]!["status"];
                await Task.Delay(20);
            }

            Assert.Equal("down", nodeStatus);
            Assert.True(clock.ElapsedMilliseconds <= (2 * ProbeMs) + 300, $"shown down after {clock.ElapsedMilliseconds} ms; two probe intervals are {2 * ProbeMs} ms");
            Assert.Equal("degraded", (string?)detailed!["status"]);
            Assert.Equal("degraded", (string?)detailed["checks"]!["nodes"]!["status"]);
            Assert.Contains("s2-primary", (string?)detailed["checks"]!["nodes"]!["description"], StringComparison.Ordinal);
            Assert.Equal("healthy", (string?)detailed["checks"]!["catalog"]!["status"]);
            Assert.Equal("healthy", (string?)detailed["checks"]!["redis"]!["status"]);
            Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(http, "/health/ready")).Status);
        }
        finally
        {
            await fixture.Cluster.StartNodeAsync("s2-primary");
        }

        var back = Stopwatch.StartNew();
        string? after = "degraded";
        while (after != "healthy" && back.ElapsedMilliseconds < 5000)
        {
            after = (string?)(await Api.GetAsync(http, "/health/detailed")).Body!["status"];
            await Task.Delay(20);
        }

        Assert.Equal("healthy", after);
        var (_, ok) = await Api.GetAsync(http, "/health/detailed");
        Assert.DoesNotContain("Password", ok!.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }
}
