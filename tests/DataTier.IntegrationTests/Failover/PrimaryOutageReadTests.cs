using System.Net;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// A shard's primary dies with a write its replica never received (replication cut first), and nothing promotes the
/// replica. Eventual and session reads of the shard go on from the replica through both front ends, although their
/// cache fill would need that write (only the dead primary has it): they are answered uncached. Strong and
/// <c>"cache": "fresh"</c> reads, which must see every completed write, fail with shard-unavailable.
/// </summary>
[Collection(PrimaryOutageClusterCollection.Name)]
public sealed class PrimaryOutageReadTests(ClusterFixture cluster)
{
    [Fact(Timeout = 180_000)]
    public async Task Eventual_reads_of_a_shard_whose_primary_died_with_writes_its_replica_lacks_are_served_by_the_replica()
    {
        await using var wire = await WireServer.StartAsync(cluster, FailoverScenario.FastProbes(catalogStore: false));
        using var app = wire.Server.CreateClient(cluster.Manifest.Keys.App);
        var replica = cluster.Cluster.GetNode("s1-replica1");
        string team = cluster.KeyOnShard("s1", "outage-read");
        const string Seen = "select count(*) as n from activity_logs where team_id = @t";
        const string NeverSeen = "select count(*) as n, max(user_id) as u from activity_logs where team_id = @t";
        // A statement profiled and cached while the primary is up, and a write its replica gets.
        await Api.OkAsync(app, "/v1/execute", new { shardKey = team, sql = "insert into activity_logs (team_id, user_id, action) values (@t, 1, 'outage-1')", @params = new { t = team } });
        await Db.WaitUntilAsync(async () => await Db.ScalarAsync<long>(replica.ConnectionString, "select count(*) from activity_logs where team_id = @t", ("t", team)) == 1,
            TimeSpan.FromSeconds(10), "the replica to replay the first write");
        await Api.OkAsync(app, "/v1/query", new { shardKey = team, sql = Seen, @params = new { t = team }, consistency = "eventual" });
        string conninfo = await Db.ScalarAsync<string>(replica.SuperuserConnectionString, "show primary_conninfo");
        try
        {
            // Replication cut: the second write reaches the primary only; then the primary dies.
            await Db.ExecuteAsync(replica.SuperuserConnectionString, "alter system set primary_conninfo = ''");
            await Db.ExecuteAsync(replica.SuperuserConnectionString, "select pg_reload_conf()");
            await Db.WaitUntilAsync(async () => await Db.ScalarAsync<long>(replica.SuperuserConnectionString, "select count(*) from pg_stat_wal_receiver") == 0,
                TimeSpan.FromSeconds(10), "the replica's WAL receiver to stop");
            var written = await Api.OkAsync(app, "/v1/execute", new { shardKey = team, sql = "insert into activity_logs (team_id, user_id, action) values (@t, 2, 'outage-2')", @params = new { t = team } });
            string token = (string)written["token"]!;
            await cluster.Cluster.KillNodeAsync("s1-primary");

            // Eventual and session (with a token from before the lost write) reads, a profiled statement and a new one:
            // the replica answers with the one row it has.
            await Db.WaitUntilAsync(async () =>
            {
                var (status, _) = await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = Seen, @params = new { t = team }, consistency = "eventual" });
                return status == HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(10), "an eventual read of s1 to be answered again");
            foreach (string sql in new[] { Seen, NeverSeen })
            {
                var (status, body) = await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql, @params = new { t = team }, consistency = "eventual" });
                Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {body?.ToJsonString()}");
                Assert.Equal(1, (long)body!["rows"]![0]!["n"]!);
                Assert.Equal("replica", (string?)body["servedBy"]);
            }

            // A session read whose own write is lost with the primary cannot be served by the replica.
            Api.AssertProblem(await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = Seen, @params = new { t = team }, consistency = "session", token }), HttpStatusCode.ServiceUnavailable, "shard-unavailable");
            Api.AssertProblem(await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = Seen, @params = new { t = team }, consistency = "strong" }), HttpStatusCode.ServiceUnavailable, "shard-unavailable");
            Api.AssertProblem(await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = Seen, @params = new { t = team }, consistency = "eventual", cache = "fresh" }), HttpStatusCode.ServiceUnavailable, "shard-unavailable");

            // The wire: a keyed read of the same table (cache on, the fill needs the lost write) is answered by the replica.
            await using var connection = new NpgsqlConnection(wire.ConnectionString());
            await connection.OpenAsync();
            await using (var set = new NpgsqlCommand("set datatier.consistency = eventual", connection))
            {
                await set.ExecuteNonQueryAsync();
            }

            await using var read = new NpgsqlCommand("select count(*) from activity_logs where team_id = @t", connection);
            read.Parameters.AddWithValue("t", team);
            Assert.Equal(1L, await read.ExecuteScalarAsync());
        }
        finally
        {
            await Db.ExecuteAsync(replica.SuperuserConnectionString, $"alter system set primary_conninfo = '{conninfo.Replace("'", "''")}'");
            await Db.ExecuteAsync(replica.SuperuserConnectionString, "select pg_reload_conf()");
            await KilledNode.StartAgainAsync(cluster.Cluster, "s1-primary");
        }
    }
}
