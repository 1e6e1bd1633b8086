using System.Net;
using System.Text.Json.Nodes;
using DataTier.Core.Ring;
using DataTier.Core.Topology;
using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Rebalancing;

/// <summary>
/// Moves executed online: rows copied, caught up, fenced and switched while a load of writes and reads runs through
/// DataTier. Afterwards every row is on the shard the new ring names, the rows are exactly what the load's own log
/// says (nothing lost, duplicated or resurrected) and no request failed.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OnlineMoveTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private string CatalogAdmin => fixture.Cluster.Nodes.Single(n => n.ShardId is null).AdminConnectionString;

    private Dictionary<string, string?> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DataTier:Topology:Store"] = "Catalog",
            ["DataTier:Rebalancing:CleanupGraceSeconds"] = "1",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private Dictionary<string, string> Primaries(ExtraShardDatabase extra) => new()
    {
        ["s1"] = fixture.Cluster.GetNode(LocalCluster.PrimaryNodeId("s1")).ConnectionString,
        ["s2"] = fixture.Cluster.GetNode(LocalCluster.PrimaryNodeId("s2")).ConnectionString,
        ["s3"] = extra.AppConnectionString,
    };

    private async Task ResetAsync()
    {
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.topology_versions");
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.rebalance_moves");
    }

    [Fact]
    public async Task Adding_a_shard_and_draining_it_again_under_load_moves_every_row_to_its_new_owner_and_loses_nothing()
    {
        await ResetAsync();
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        await using var server = await DataTierServer.StartAsync(fixture, Settings());
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var primaries = Primaries(extra);
        var teams = (await ClusterRows.ReadAsync(primaries)).Rows["teams"].Select(r => r.TeamId).ToList();
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await Api.PostAsync(admin, "/admin/shards", new { id = "s3", weight = 1, primary = extra.AppConnectionString })).Status);
            var added = await MoveUnderLoadAsync(server, admin, app, primaries, teams, 910_000_000, "2 -> 3 shards");
            Assert.All(added["pairs"]!.AsArray(), p => Assert.Equal("s3", (string)p!["to"]!));
            Assert.True(await Db.ScalarAsync<long>(extra.AppConnectionString, "select count(*) from teams") > 0, "s3 received teams");

            await Api.OkAsync(admin, "/admin/shards/s3/drain", new { });
            var drained = await MoveUnderLoadAsync(server, admin, app, primaries, teams, 920_000_000, "drain s3");
            Assert.All(drained["pairs"]!.AsArray(), p => Assert.Equal("s3", (string)p!["from"]!));
            foreach (string table in ClusterRows.Tables)
            {
                Assert.Equal(0, await Db.ScalarAsync<long>(extra.AppConnectionString, $"select count(*) from {table}"));
            }

            Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(admin, HttpMethod.Delete, "/admin/shards/s3")).Status);
            // Nothing of the move is left on the shards: no capture trigger, no logged changes.
            foreach (var (shard, connectionString) in primaries)
            {
                Assert.Equal(0, await Db.ScalarAsync<long>(connectionString, "select count(*) from pg_trigger where tgname = 'datatier_move_capture'"));
                Assert.Equal(0, await Db.ScalarAsync<long>(connectionString, "select count(*) from datatier_move.changes"));
            }
        }
        finally
        {
            foreach (string shard in new[] { "s1", "s2" })
            {
                await Db.ExecuteAsync(primaries[shard], "delete from users where user_id >= 900000000");
            }
        }
    }

    /// <summary>Runs the desired move while the load runs, waits for it, and checks rows, placement and the load.</summary>
    private async Task<JsonNode> MoveUnderLoadAsync(DataTierServer server, HttpClient admin, HttpClient app, Dictionary<string, string> primaries, List<string> teams, long firstUserId, string what)
    {
        var before = await ClusterRows.ReadAsync(primaries);
        var load = new MoveLoad(app, teams, firstUserId);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(8, TimeSpan.FromMinutes(3), stop.Token);
        await Task.Delay(1000);
        var (status, started) = await Api.PostAsync(admin, "/admin/rebalance", new { });
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("running", (string?)started!["state"]);
        var done = await MoveWaiter.WaitAsync(admin, (long)started["id"]!, TimeSpan.FromMinutes(2));
        await Task.Delay(500);
        await stop.CancelAsync();
        await running;

        output.WriteLine($"{what}: {done.ToJsonString()}");
        output.WriteLine($"{what}: load {load.Counts.Writes} writes, {load.Counts.Reads} reads, longest write {load.LongestWriteMs:0} ms, move's longest fence {done["longestWritePauseMs"]} ms");
        Assert.True((string?)done["state"] == "done", $"move ended {done["state"]}: {done.ToJsonString()}");
        Assert.True((bool?)done["verified"], "both sides' counts and checksums matched");
        Assert.Empty(load.Failures);
        Assert.Empty(load.StaleReads);
        Assert.True(load.Counts.Writes > 100, $"the load wrote ({load.Counts.Writes})");

        var ring = server.Services.GetRequiredService<ITopologyProvider>().Current.Ring;
        Assert.Equal((long)done["toVersion"]!, server.Services.GetRequiredService<ITopologyProvider>().Current.Version);
        await CheckRowsAsync(before, load, ring, primaries);
        return done;
    }

    private static async Task CheckRowsAsync(ClusterRows before, MoveLoad load, HashRing ring, Dictionary<string, string> primaries)
    {
        var after = await ClusterRows.ReadAsync(primaries);
        var misplaced = after.Misplaced(ring);
        Assert.True(misplaced.Count == 0, $"{misplaced.Count} rows off their ring shard, e.g. {string.Join("; ", misplaced.Take(5))}");
        foreach (string table in ClusterRows.Tables.Where(t => t != "users"))
        {
            string diff = ClusterRows.Difference(before.Multiset(table), after.Multiset(table));
            Assert.True(diff.Length == 0, $"{table}: {diff}");
        }

        bool IsLoads(string row) => (long)JsonNode.Parse(row)!["user_id"]! >= load.FirstUserId;
        string users = ClusterRows.Difference(before.Multiset("users", IsLoads), after.Multiset("users", IsLoads));
        Assert.True(users.Length == 0, $"users outside the load: {users}");
        var expected = load.Live.ToDictionary(kv => $"{kv.Key.Team}/{kv.Key.User}/{kv.Value}", _ => 1);
        var actual = new Dictionary<string, int>();
        foreach (var (_, _, row) in after.Rows["users"].Where(r => IsLoads(r.Row)))
        {
            var node = JsonNode.Parse(row)!;
            string key = $"{node["team_id"]}/{node["user_id"]}/{node["email"]}";
            actual[key] = actual.GetValueOrDefault(key) + 1;
        }

        string loadDiff = ClusterRows.Difference(expected, actual);
        Assert.True(loadDiff.Length == 0, $"the load's rows against its log: {loadDiff}");
    }
}
