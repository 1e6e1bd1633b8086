using System.Net;
using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.IntegrationTests.Rebalancing;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Idempotency;

/// <summary>
/// Keyed writes whose hash ranges a rebalancing move gives to another shard: the keys travel with the rows, so a
/// retry routed to the new owner after the switch replays the first answer instead of writing the row again.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IdempotencyKeyMoveTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const string Insert = "insert into activity_logs (team_id, user_id, action) values (@t, 1, @a) returning log_id";

    private string CatalogAdmin => fixture.Cluster.Nodes.Single(n => n.ShardId is null).AdminConnectionString;

    [Fact(Timeout = 300_000)]
    public async Task Keyed_writes_retried_after_their_range_moved_to_a_new_shard_and_back_replay_and_apply_once()
    {
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.topology_versions");
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.rebalance_moves");
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["DataTier:Topology:Store"] = "Catalog",
            ["DataTier:Rebalancing:CleanupGraceSeconds"] = "1",
        });
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var primaries = new Dictionary<string, string>
        {
            ["s1"] = fixture.Cluster.GetNode(LocalCluster.PrimaryNodeId("s1")).ConnectionString,
            ["s2"] = fixture.Cluster.GetNode(LocalCluster.PrimaryNodeId("s2")).ConnectionString,
            ["s3"] = extra.AppConnectionString,
        };
        string prefix = $"idem-move-{Guid.NewGuid():N}"[..22];
        var written = new List<(string Key, object Body, string LogId)>();
        try
        {
            // Keys recorded before the move: copied by the move's bulk copy.
            for (int i = 0; i < 90; i++)
            {
                written.Add(await WriteAsync(app, $"{prefix}-team-{i}", $"{prefix}-{i}"));
            }

            Assert.Equal(HttpStatusCode.Created, (await Api.PostAsync(admin, "/admin/shards", new { id = "s3", weight = 1, primary = extra.AppConnectionString })).Status);
            var (status, started) = await Api.PostAsync(admin, "/admin/rebalance", new { });
            Assert.Equal(HttpStatusCode.Accepted, status);
            long moveId = (long)started!["id"]!;
            // Keys recorded while the move runs (logged by the shard, copied by the catch-up) and earlier keys retried
            // while their ranges move: each retry must replay.
            int during = 0;
            while ((string?)(await Api.GetAsync(admin, $"/admin/rebalance/{moveId}")).Body!["state"] == "running")
            {
                written.Add(await WriteAsync(app, $"{prefix}-team-d{during}", $"{prefix}-d{during}"));
                during++;
                await AssertReplaysAsync(app, written[Random.Shared.Next(written.Count)]);
            }

            var done = await MoveWaiter.WaitAsync(admin, moveId, TimeSpan.FromMinutes(2));
            Assert.True((string?)done["state"] == "done", done.ToJsonString());
            long keysOnNewShard = await Db.ScalarAsync<long>(extra.AppConnectionString, "select count(*) from datatier_idempotency.keys where starts_with(idempotency_key, @p)", ("p", prefix));
            output.WriteLine($"{written.Count} keyed writes ({during} during the move); {keysOnNewShard} keys now on s3");
            Assert.True(keysOnNewShard > 0, "some keys moved to s3");
            foreach (var write in written)
            {
                await AssertReplaysAsync(app, write);
            }

            await AssertEachRowOnceAsync(primaries, written);

            // And back: draining s3 moves its ranges, keys included, to s1 and s2 again.
            await Api.OkAsync(admin, "/admin/shards/s3/drain", new { });
            var (drainStatus, drain) = await Api.PostAsync(admin, "/admin/rebalance", new { });
            Assert.Equal(HttpStatusCode.Accepted, drainStatus);
            var drained = await MoveWaiter.WaitAsync(admin, (long)drain!["id"]!, TimeSpan.FromMinutes(2));
            Assert.True((string?)drained["state"] == "done", drained.ToJsonString());
            foreach (var write in written)
            {
                await AssertReplaysAsync(app, write);
            }

            await AssertEachRowOnceAsync(primaries, written);
            // Nothing of either move is left in the key log.
            foreach (var (shard, connectionString) in primaries)
            {
                Assert.Equal(0, await Db.ScalarAsync<long>(connectionString, "select count(*) from datatier_idempotency.moving"));
            }
        }
        finally
        {
            await MoveWaiter.RestoreAsync(admin, "s3");
            await Api.SendAsync(admin, HttpMethod.Delete, "/admin/shards/s3");
            foreach (var shard in fixture.Manifest.Shards)
            {
                await Db.ExecuteAsync(shard.PrimaryAdmin, "delete from activity_logs where starts_with(action, @p)", ("p", prefix));
                await Db.ExecuteAsync(shard.PrimaryAdmin, "delete from datatier_idempotency.keys where starts_with(idempotency_key, @p)", ("p", prefix));
            }
        }
    }

    private static async Task<(string Key, object Body, string LogId)> WriteAsync(HttpClient app, string team, string action)
    {
        string key = $"{action}-key";
        object body = new { shardKey = team, sql = Insert, @params = new { t = team, a = action } };
        var answer = await KeyedApi.OkAsync(app, "/v1/execute", body, key);
        Assert.False(answer.Replayed);
        return (key, body, (string)answer.Body!["rows"]![0]!["log_id"]!);
    }

    private static async Task AssertReplaysAsync(HttpClient app, (string Key, object Body, string LogId) write)
    {
        var again = await KeyedApi.OkAsync(app, "/v1/execute", write.Body, write.Key);
        Assert.True(again.Replayed, $"the retry of {write.Key} applied again instead of replaying: {again.Body?.ToJsonString()}");
        Assert.Equal(write.LogId, (string?)again.Body!["rows"]![0]!["log_id"]);
    }

    // Every keyed write's row exists exactly once in the cluster, with the log_id its first answer named.
    private static async Task AssertEachRowOnceAsync(Dictionary<string, string> primaries, List<(string Key, object Body, string LogId)> written)
    {
        var found = new List<string>();
        foreach (var connectionString in primaries.Values)
        {
            found.AddRange(await Db.StringsAsync(connectionString, $"select log_id::text from activity_logs where log_id = any(array[{string.Join(",", written.Select(w => $"'{w.LogId}'::uuid"))}])"));
        }

        Assert.Equal(written.Select(w => w.LogId).Order(StringComparer.Ordinal), found.Order(StringComparer.Ordinal));
    }
}
