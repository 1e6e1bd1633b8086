using System.Net;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.IntegrationTests.Rebalancing;
using Npgsql;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.CrossShard;

/// <summary>
/// Key-less reads on the wire while a move copies ranges to a new shard: the moving rows are on the source and the
/// target until the switch, and each shard is read through its ownership filter, so every row is answered once.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WireFanOutDuringMoveTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private string CatalogAdmin => fixture.Cluster.Nodes.Single(n => n.ShardId is null).AdminConnectionString;

    [Fact(Timeout = 300_000)]
    public async Task Concatenated_and_merged_reads_during_a_move_count_every_row_once()
    {
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.topology_versions");
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.rebalance_moves");
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        await using var wire = await WireServer.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["DataTier:Topology:Store"] = "Catalog",
            ["DataTier:Rebalancing:CleanupGraceSeconds"] = "1",
            // A slow copy keeps the moving rows on both shards for a while.
            ["DataTier:Rebalancing:CopyRowsPerSecond"] = "2000",
        });
        using var admin = wire.Server.CreateClient(fixture.Manifest.Keys.Admin);
        try
        {
            await using var connection = await Db.OpenAsync(wire.ConnectionString());
            long tasks = await Db.CountRowsAsync(connection, "select task_id from tasks");
            Assert.Equal(HttpStatusCode.Created, (await Api.PostAsync(admin, "/admin/shards", new { id = "s3", weight = 1, primary = extra.AppConnectionString })).Status);
            var (status, started) = await Api.PostAsync(admin, "/admin/rebalance", new { });
            Assert.Equal(HttpStatusCode.Accepted, status);
            long moveId = (long)started!["id"]!;

            var concatenated = new List<long>();
            var merged = new List<long>();
            while ((string?)(await Api.GetAsync(admin, $"/admin/rebalance/{moveId}")).Body!["state"] == "running")
            {
                concatenated.Add(await Db.CountRowsAsync(connection, "select task_id from tasks"));
                await using var count = new NpgsqlCommand("select count(*) from tasks", connection);
                merged.Add((long)(await count.ExecuteScalarAsync())!);
            }

            var done = await MoveWaiter.WaitAsync(admin, moveId, TimeSpan.FromMinutes(3));
            long onNewShard = await Db.ScalarAsync<long>(extra.AppConnectionString, "select count(*) from tasks");
            output.WriteLine($"{concatenated.Count} reads of each kind during the move; {onNewShard} of {tasks} rows now on s3");
            Assert.True((string?)done["state"] == "done", done.ToJsonString());
            Assert.True(concatenated.Count >= 3, $"{concatenated.Count} reads ran during the move");
            Assert.True(concatenated.All(n => n == tasks), $"concatenated counts during the move: {string.Join(", ", concatenated.Distinct())}, expected {tasks}");
            Assert.True(merged.All(n => n == tasks), $"merged counts during the move: {string.Join(", ", merged.Distinct())}, expected {tasks}");
        }
        finally
        {
            await MoveWaiter.RestoreAsync(admin, "s3");
            await Api.SendAsync(admin, HttpMethod.Delete, "/admin/shards/s3");
        }
    }

}
