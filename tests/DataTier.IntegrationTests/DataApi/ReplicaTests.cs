using System.Diagnostics;
using System.Net;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.DataApi;

[Collection(ClusterCollection.Name)]
public sealed class ReplicaTests(ClusterFixture fixture)
{
    private const int ProbeMs = 250;

    [Fact]
    public async Task Session_reads_see_their_writes_while_replay_is_paused_and_lagging_replicas_leave_rotation()
    {
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Health:MaxReplicaLagSeconds"] = "1" });
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var replica = fixture.Cluster.GetNode("s1-replica1");
        string team = fixture.KeyOnShard("s1", "lag");
        await Db.ExecuteAsync(replica.SuperuserConnectionString, "select pg_wal_replay_pause()");
        try
        {
            int sessionSeen = 0, eventualMissed = 0;
            for (int i = 0; i < 100; i++)
            {
                string key = $"{team}-{i}";
                var written = await Api.OkAsync(app, "/v1/execute", new { shardKey = team, sql = "insert into users (team_id, user_id, email) values (@t, @u, @e)", @params = new { t = team, u = i, e = key } });
                string token = (string)written["token"]!;
                var session = await Api.OkAsync(app, "/v1/query", new { shardKey = team, sql = "select email from users where team_id = @t and user_id = @u", @params = new { t = team, u = i }, consistency = "session", token, cache = "bypass" });
                if ((int)session["rowCount"]! == 1)
                {
                    sessionSeen++;
                }

                var eventual = await Api.OkAsync(app, "/v1/query", new { shardKey = team, sql = "select email from users where team_id = @t and user_id = @u", @params = new { t = team, u = i }, consistency = "eventual", cache = "bypass" });
                if ((int)eventual["rowCount"]! == 0)
                {
                    eventualMissed++;
                }
            }

            Assert.Equal(100, sessionSeen);

            // The paused replica keeps receiving WAL it does not replay: its lag passes MaxReplicaLag and eventual
            // reads move to the primary within two probe intervals of that.
            await Task.Delay(TimeSpan.FromMilliseconds(1000 + (3 * ProbeMs)));
            for (int i = 0; i < 20; i++)
            {
                var eventual = await Api.OkAsync(app, "/v1/query", new { shardKey = team, sql = "select count(*) from users where team_id = @t", @params = new { t = team }, consistency = "eventual", cache = "bypass" });
                Assert.Equal("primary", (string?)eventual["servedBy"]);
                Assert.Equal(100, (long)eventual["rows"]![0]!["count"]!);
            }
        }
        finally
        {
            await Db.ExecuteAsync(replica.SuperuserConnectionString, "select pg_wal_replay_resume()");
        }
    }

    [Fact]
    public async Task Eventual_reads_survive_a_replica_crash_and_the_replica_returns_within_three_probe_intervals()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        string team = fixture.KeyOnShard("s2", "crash");
        await Api.OkAsync(app, "/v1/execute", new { shardKey = team, sql = "insert into teams (team_id, name) values (@t, 'x')", @params = new { t = team } });
        // What the replica replays on restart is then this test's WAL only, not whatever earlier tests wrote.
        await ReplicaRestartpoint.TakeAsync(fixture, "s2");
        int failures = 0;
        var servedBy = new List<string>();
        for (int i = 0; i < 500; i++)
        {
            if (i == 100)
            {
                await fixture.Cluster.StopNodeAsync("s2-replica1", immediate: true);
            }

            var (status, body) = await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = "select name from teams where team_id = @t", @params = new { t = team }, cache = "bypass" });
            if (status != HttpStatusCode.OK)
            {
                failures++;
            }
            else
            {
                servedBy.Add((string)body!["servedBy"]!);
            }
        }

        Assert.Equal(0, failures);
        Assert.Contains("replica", servedBy.Take(100));
        Assert.All(servedBy.Skip(150), s => Assert.Equal("primary", s));

        await fixture.Cluster.StartNodeAsync("s2-replica1");
        var clock = Stopwatch.StartNew();
        bool back = false;
        while (clock.ElapsedMilliseconds < 3 * ProbeMs + 2000)
        {
            var (_, topology) = await Api.GetAsync(admin, "/admin/topology");
            var shard = topology!["shards"]!.AsArray().Single(s => (string?)s!["id"] == "s2");
            if ((bool)shard!["replicas"]![0]!["reachable"]!)
            {
                back = true;
                break;
            }

            await Task.Delay(25);
        }

        Assert.True(back, "the replica did not come back into rotation");
        Assert.True(clock.ElapsedMilliseconds <= 3 * ProbeMs + 250, $"back after {clock.ElapsedMilliseconds} ms; 3 probe intervals are {3 * ProbeMs} ms");
        // Reachable first; eligible for eventual reads once it has replayed what it received (next probe).
        string? served = null;
        for (int i = 0; i < 40 && served != "replica"; i++)
        {
            var again = await Api.OkAsync(app, "/v1/query", new { shardKey = team, sql = "select name from teams where team_id = @t", @params = new { t = team }, cache = "bypass" });
            served = (string?)again["servedBy"];
            await Task.Delay(50);
        }

        Assert.Equal("replica", served);
    }
}
