using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Rebalancing;

/// <summary>
/// The topology in the catalog: changes through one instance are followed by the others, changes never move rows or
/// change routing by themselves, and a plan counts what would move in the databases themselves.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CatalogTopologyTests(ClusterFixture fixture)
{
    private static readonly Dictionary<string, string?> CatalogStore = new() { ["DataTier:Topology:Store"] = "Catalog" };

    // Each test starts from a catalog without topology, so the first instance seeds it from configuration.
    private Task ForgetTopologyAsync() =>
        Db.ExecuteAsync(fixture.Cluster.Nodes.Single(n => n.ShardId is null).AdminConnectionString, "delete from datatier.topology_versions");

    [Fact]
    public async Task A_shard_added_through_one_instance_is_in_the_other_instances_topology_within_a_second()
    {
        await ForgetTopologyAsync();
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        await using var a = await DataTierServer.StartAsync(fixture, CatalogStore);
        await using var b = await DataTierServer.StartAsync(fixture, CatalogStore);
        using var adminA = a.CreateClient(fixture.Manifest.Keys.Admin);
        using var adminB = b.CreateClient(fixture.Manifest.Keys.Admin);
        var before = (await Api.GetAsync(adminB, "/admin/topology")).Body!;
        string team = fixture.KeyOnShard("s1", "catalog-route");
        string routeBefore = (string)(await Api.GetAsync(adminB, $"/admin/topology/route?key={team}")).Body!["shard"]!;

        var (status, added) = await Api.PostAsync(adminA, "/admin/shards", new { id = "s3", weight = 1, primary = extra.AppConnectionString });
        Assert.Equal(HttpStatusCode.Created, status);
        long version = (long)added!["version"]!;
        Assert.Equal((long)before["version"]! + 1, version);
        var clock = Stopwatch.StartNew();
        JsonNode? seen = null;
        while (clock.ElapsedMilliseconds < 5000)
        {
            var topology = (await Api.GetAsync(adminB, "/admin/topology")).Body!;
            if ((long)topology["version"]! >= version)
            {
                seen = topology;
                break;
            }

            await Task.Delay(10);
        }

        Assert.NotNull(seen);
        Assert.True(clock.ElapsedMilliseconds <= 1000, $"instance B followed the change after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(["s3"], seen!["pending"]!.AsArray().Select(p => (string)p!["id"]!));
        Assert.Equal(1.0, (double)seen["desiredWeights"]!["s3"]!);
        // Nothing moved, so nothing routes differently.
        Assert.Equal(["s1", "s2"], seen["shards"]!.AsArray().Select(s => (string)s!["id"]!));
        Assert.Equal(routeBefore, (string)(await Api.GetAsync(adminB, $"/admin/topology/route?key={team}")).Body!["shard"]!);

        // A weight change through B reaches A the same way.
        await Api.OkAsync(adminB, "/admin/shards/s3/drain", new { });
        await Db.WaitUntilAsync(async () => (await Api.GetAsync(adminA, "/admin/topology")).Body!["desiredWeights"]!["s3"] is null, TimeSpan.FromSeconds(1), "A saw s3 drained within 1 s");
        var removed = await Api.SendAsync(adminA, HttpMethod.Delete, "/admin/shards/s3");
        Assert.Equal(HttpStatusCode.OK, removed.Status);
    }

    [Fact]
    public async Task The_plan_for_two_to_three_equal_shards_moves_a_third_counted_by_the_shards_and_changes_nothing()
    {
        await ForgetTopologyAsync();
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        await using var server = await DataTierServer.StartAsync(fixture, CatalogStore);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        await Api.PostAsync(admin, "/admin/shards", new { id = "s3", weight = 1, primary = extra.AppConnectionString });
        long rowsBefore = await RowsAsync();

        var plan = (await Api.GetAsync(admin, "/admin/rebalance/plan")).Body!;
        // The ring moves a third of the hash space, within 10%. The rows follow it up to sampling noise: judged on the
        // teams (one row per key; other tests add skewed rows to the other tables), whose ~1,000 keys put the moved
        // fraction within a few standard deviations, sqrt(f(1-f)/n), of the ring's.
        double ring = (double)plan["movedRingFraction"]!;
        Assert.True(Math.Abs(ring - (1.0 / 3)) <= 0.1 / 3, $"moved ring fraction {ring:0.0000}, ideal 1/3");
        var teams = plan["tables"]!.AsArray().Single(t => (string)t!["name"]! == "teams")!;
        double moved = (double)teams["movedFraction"]!;
        long keys = (long)teams["rows"]!;
        double sigma = Math.Sqrt(ring * (1 - ring) / keys);
        Assert.True(Math.Abs(moved - ring) <= 4 * sigma, $"moved fraction of {keys} teams {moved:0.0000}, ring {ring:0.0000}, sigma {sigma:0.0000}");
        Assert.Equal((long)plan["totalRows"]!, plan["tables"]!.AsArray().Sum(t => (long)t!["rows"]!));
        Assert.Equal((long)plan["movedRows"]!, plan["tables"]!.AsArray().Sum(t => (long)t!["movedRows"]!));
        Assert.Equal(rowsBefore, (long)plan["totalRows"]!);
        var moves = plan["moves"]!.AsArray();
        Assert.NotEmpty(moves);
        Assert.All(moves, m => Assert.Equal("s3", (string)m!["to"]!));
        Assert.Equal((long)plan["movedRows"]!, moves.Sum(m => (long)m!["rows"]!));
        Assert.All(plan["shards"]!.AsArray(), s => Assert.Equal(0, (long)s!["misplaced"]!));
        Assert.Empty(plan["blockers"]!.AsArray());
        var s3 = plan["shards"]!.AsArray().Single(s => (string)s!["id"]! == "s3")!;
        Assert.Equal(0, (long)s3["rowsNow"]!);
        Assert.Equal((long)plan["movedRows"]!, (long)s3["rowsAfter"]!);

        // The counts are the databases' own: rows of the moving ranges, counted here with the same ring hash.
        long check = 0;
        foreach (var move in moves.Take(20))
        {
            string from = (string)move!["from"]!;
            var node = fixture.Cluster.Nodes.Single(n => n.ShardId == from && n.Role == DataTier.DevCluster.ClusterNodeRole.Primary);
            long start = (long)move["start"]!, end = (long)move["end"]!;
            string lower = (bool)move["includesStart"]! ? ">=" : ">";
            long expected = 0;
            foreach (string table in new[] { "teams", "users", "tasks", "activity_logs", "agent_cards" })
            {
                expected += await Db.ScalarAsync<long>(node.ConnectionString,
                    $"select count(*) from {table} where hashtextextended(team_id::text, 0) {lower} @s and hashtextextended(team_id::text, 0) <= @e", ("s", start), ("e", end));
            }

            Assert.Equal(expected, (long)move["rows"]!);
            check += expected;
        }

        Assert.True(check > 0, "the first moving ranges hold rows");
        Assert.Equal(rowsBefore, await RowsAsync());
        Assert.Equal(0, await Db.ScalarAsync<long>(extra.AppConnectionString, "select count(*) from activity_logs"));
        await Api.OkAsync(admin, "/admin/shards/s3/drain", new { });
        await Api.SendAsync(admin, HttpMethod.Delete, "/admin/shards/s3");
    }

    [Fact]
    public async Task Changes_that_cannot_be_made_get_problems_with_stable_types()
    {
        await ForgetTopologyAsync();
        await using var bare = await ExtraShardDatabase.CreateAsync(fixture, migrate: false);
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        await using (var fixedTopology = await DataTierServer.StartAsync(fixture))
        {
            using var admin = fixedTopology.CreateClient(fixture.Manifest.Keys.Admin);
            Api.AssertProblem(await Api.PostAsync(admin, "/admin/shards", new { id = "s3", primary = extra.AppConnectionString }), HttpStatusCode.Conflict, "topology-not-in-catalog");
        }

        await using var server = await DataTierServer.StartAsync(fixture, CatalogStore);
        using var catalogAdmin = server.CreateClient(fixture.Manifest.Keys.Admin);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        Api.AssertProblem(await Api.PostAsync(app, "/admin/shards", new { id = "s3", primary = extra.AppConnectionString }), HttpStatusCode.Forbidden, "forbidden");
        Api.AssertProblem(await Api.PostAsync(catalogAdmin, "/admin/shards", new { id = "s3", primary = bare.AppConnectionString }), HttpStatusCode.Conflict, "shard-schema-missing");
        Api.AssertProblem(await Api.PostAsync(catalogAdmin, "/admin/shards", new { id = "s3", primary = "Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=2" }), HttpStatusCode.Conflict, "shard-unreachable");
        Api.AssertProblem(await Api.PostAsync(catalogAdmin, "/admin/shards", new { id = "S 3!", primary = extra.AppConnectionString }), HttpStatusCode.BadRequest, "invalid-shard");
        Api.AssertProblem(await Api.PostAsync(catalogAdmin, "/admin/shards", new { id = "s3", weight = -1, primary = extra.AppConnectionString }), HttpStatusCode.BadRequest, "invalid-weight");
        Api.AssertProblem(await Api.PostAsync(catalogAdmin, "/admin/shards", new { id = "s1", primary = extra.AppConnectionString }), HttpStatusCode.Conflict, "shard-exists");
        Api.AssertProblem(await Api.PostRawAsync(catalogAdmin, "/admin/shards", "{\"id\": 3"), HttpStatusCode.BadRequest, "invalid-json");

        Assert.Equal(HttpStatusCode.Created, (await Api.PostAsync(catalogAdmin, "/admin/shards", new { id = "s3", primary = extra.AppConnectionString })).Status);
        Api.AssertProblem(await Api.SendAsync(catalogAdmin, HttpMethod.Delete, "/admin/shards/s3"), HttpStatusCode.Conflict, "shard-not-empty");
        Api.AssertProblem(await Api.SendAsync(catalogAdmin, HttpMethod.Delete, "/admin/shards/s1"), HttpStatusCode.Conflict, "shard-not-empty");
        Api.AssertProblem(await Api.SendAsync(catalogAdmin, HttpMethod.Delete, "/admin/shards/nope"), HttpStatusCode.NotFound, "unknown-shard");
        Api.AssertProblem(await Api.PutAsync(catalogAdmin, "/admin/shards/s3/weight", new { weight = 1000 }), HttpStatusCode.BadRequest, "invalid-weight");
        await Api.OkAsync(catalogAdmin, "/admin/shards/s3/drain", new { });
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(catalogAdmin, HttpMethod.Delete, "/admin/shards/s3")).Status);
    }

    [Fact]
    public async Task The_cli_adds_a_shard_prints_the_plan_and_removes_the_shard_after_a_drain()
    {
        await ForgetTopologyAsync();
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        await using var server = await DataTierServer.StartAsync(fixture, CatalogStore);
        string cli = CliRunner.BuiltDll("DataTier.Cli", "datatier.dll");
        string target = $"--server {server.BaseAddress} --key {fixture.Manifest.Keys.Admin}";
        var timeout = TimeSpan.FromMinutes(1);

        var (added, addOut, addErr) = await CliRunner.RunAsync(cli, $"shard add s3 --primary \"{extra.AppConnectionString}\" --weight 1 {target}", timeout);
        Assert.True(added == 0, addErr);
        Assert.Matches(@"s3\s+pending\s+weight 0 -> 1", addOut);

        var (planned, planOut, planErr) = await CliRunner.RunAsync(cli, $"rebalance plan {target}", timeout);
        Assert.True(planned == 0, planErr);
        Assert.Matches(@"rows move \(\d+\.\d ?%; the least possible is \d+\.\d ?%\)", planOut);
        Assert.Matches(@"teams: [\d,]+ of [\d,]+ rows move \(\d+\.\d ?%\)", planOut);
        Assert.Matches(@"ranges hold 3\d\.\d ?% of the ring", planOut);
        Assert.Contains("s1 -> s3", planOut, StringComparison.Ordinal);
        Assert.Contains("dry run", planOut, StringComparison.Ordinal);

        var (refused, _, refusedErr) = await CliRunner.RunAsync(cli, $"shard remove s3 {target}", timeout);
        Assert.Equal(1, refused);
        Assert.Contains("409", refusedErr, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRunner.RunAsync(cli, $"shard drain s3 {target}", timeout)).Code);
        Assert.Equal(0, (await CliRunner.RunAsync(cli, $"shard remove s3 {target}", timeout)).Code);
    }

    [Fact]
    public async Task A_sharded_table_without_a_primary_key_blocks_the_plan_and_the_move_with_a_message_naming_it()
    {
        await ForgetTopologyAsync();
        string table = "nopk_" + Guid.NewGuid().ToString("N")[..8];
        var primaries = fixture.Cluster.Nodes.Where(n => n.ShardId is not null && n.Role == DataTier.DevCluster.ClusterNodeRole.Primary).ToList();
        var catalog = fixture.Cluster.Nodes.Single(n => n.ShardId is null);
        foreach (var primary in primaries)
        {
            await Db.ExecuteAsync(primary.AdminConnectionString, $"create table {table} (team_id text not null, note text)");
        }

        await Db.ExecuteAsync(catalog.AdminConnectionString, "insert into datatier.sharded_tables (table_name, shard_key_column) values (@t, 'team_id')", ("t", table));
        try
        {
            await using var server = await DataTierServer.StartAsync(fixture, CatalogStore);
            using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
            var blockers = (await Api.GetAsync(admin, "/admin/rebalance/plan")).Body!["blockers"]!.AsArray().Select(b => (string)b!).ToList();
            Assert.Equal(primaries.Count, blockers.Count);
            Assert.All(blockers, b => Assert.Contains($"Table '{table}' has no primary key", b, StringComparison.Ordinal));
            var refused = await Api.PostAsync(admin, "/admin/rebalance", new { });
            Api.AssertProblem(refused, HttpStatusCode.Conflict, "rebalance-blocked");
            Assert.Contains($"Table '{table}' has no primary key", (string)refused.Body!["detail"]!, StringComparison.Ordinal);
        }
        finally
        {
            await Db.ExecuteAsync(catalog.AdminConnectionString, "delete from datatier.sharded_tables where table_name = @t", ("t", table));
            foreach (var primary in primaries)
            {
                await Db.ExecuteAsync(primary.AdminConnectionString, $"drop table {table}");
            }
        }
    }

    private async Task<long> RowsAsync()
    {
        long rows = 0;
        foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null && n.Role == DataTier.DevCluster.ClusterNodeRole.Primary))
        {
            rows += await Db.ScalarAsync<long>(node.ConnectionString,
                "select (select count(*) from teams) + (select count(*) from users) + (select count(*) from tasks) + (select count(*) from activity_logs) + (select count(*) from agent_cards)");
        }

        return rows;
    }
}
