using System.Net;
using DataTier.Core.Ownership;
using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DataTier.IntegrationTests.Rebalancing;

/// <summary>
/// <c>datatier shard verify</c> and <c>/admin/shards/verify</c>: rows a shard holds that the routing ring places
/// elsewhere are counted where they are, and a repair moves them to their owners without overwriting anything.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ShardVerifyTests(ClusterFixture fixture)
{
    private static readonly Dictionary<string, string?> CatalogStore = new() { ["DataTier:Topology:Store"] = "Catalog" };

    private string Primary(string shard) => fixture.Cluster.GetNode(LocalCluster.PrimaryNodeId(shard)).ConnectionString;

    // Rows written behind the guard's back, as only the move's own writes may (or a shard restored from elsewhere).
    private async Task PlantAsync(string shard, string team, string action, int rows)
    {
        await using var connection = await Db.OpenAsync(Primary(shard));
        await using var tx = await connection.BeginTransactionAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "set local datatier.move_apply = 'on'; insert into activity_logs (team_id, user_id, action) select @t, g, @a from generate_series(1, @n) g", connection, tx);
        command.Parameters.AddWithValue("t", team);
        command.Parameters.AddWithValue("a", action);
        command.Parameters.AddWithValue("n", rows);
        await command.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }

    private async Task<long> CountAsync(string shard, string action) =>
        await Db.ScalarAsync<long>(Primary(shard), "select count(*) from activity_logs where action = @a", ("a", action));

    private static long MisplacedOn(System.Text.Json.Nodes.JsonNode report, string shard, string table, string owner) =>
        report["shards"]!.AsArray().Single(s => (string)s!["shard"]! == shard)!["misplaced"]!.AsArray()
            .Where(m => (string)m!["table"]! == table && (string)m["owner"]! == owner).Sum(m => (long)m!["rows"]!);

    [Fact(Timeout = 120_000)]
    public async Task Verify_counts_rows_on_the_wrong_shard_and_repair_moves_them_to_their_owner_leaving_conflicts_in_place()
    {
        await using var server = await DataTierServer.StartAsync(fixture, CatalogStore);
        await server.Services.GetRequiredService<OwnershipGuardSynchronizer>().FirstSync.WaitAsync(TimeSpan.FromSeconds(30));
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        string team = fixture.KeyOnShard("s2", "verify"), action = "verify-" + Guid.NewGuid().ToString("N")[..8];
        var clash = Guid.NewGuid();
        try
        {
            await PlantAsync("s1", team, action, 40);
            // One row whose key the owner already holds with other values: the repair must not overwrite it.
            await Db.ExecuteAsync(Primary("s2"), "insert into activity_logs (team_id, log_id, user_id, action) values (@t, @l, 1, @a)", ("t", team), ("l", clash), ("a", action + "-owner"));
            await using (var connection = await Db.OpenAsync(Primary("s1")))
            await using (var tx = await connection.BeginTransactionAsync())
            {
                await using var command = new Npgsql.NpgsqlCommand("set local datatier.move_apply = 'on'; insert into activity_logs (team_id, log_id, user_id, action) values (@t, @l, 2, @a)", connection, tx);
                command.Parameters.AddWithValue("t", team);
                command.Parameters.AddWithValue("l", clash);
                command.Parameters.AddWithValue("a", action);
                await command.ExecuteNonQueryAsync();
                await tx.CommitAsync();
            }

            var before = (await Api.GetAsync(admin, "/admin/shards/verify")).Body!;
            Assert.Equal(41, MisplacedOn(before, "s1", "activity_logs", "s2"));
            Assert.True((bool)before["shards"]!.AsArray().Single(s => (string)s!["shard"]! == "s1")!["guardCurrent"]!);
            Assert.Equal(0, (long)before["shards"]!.AsArray().Single(s => (string)s!["shard"]! == "s2")!["misplacedTotal"]!);

            var repaired = await Api.OkAsync(admin, "/admin/shards/verify/repair", new { });
            var rows = repaired["shards"]!.AsArray().Single(s => (string)s!["shard"]! == "s1")!["misplaced"]!.AsArray().Single(m => (string)m!["table"]! == "activity_logs")!;
            Assert.Equal(40, (long)rows["moved"]!);
            Assert.Equal(1, (long)rows["conflicts"]!);
            Assert.Equal(40, await CountAsync("s2", action));
            Assert.Equal(1, await CountAsync("s1", action));
            Assert.Equal(1, await Db.ScalarAsync<long>(Primary("s2"), "select user_id from activity_logs where log_id = @l", ("l", clash)));

            var after = (await Api.GetAsync(admin, "/admin/shards/verify")).Body!;
            Assert.Equal(1, (long)after["misplacedTotal"]!);
        }
        finally
        {
            foreach (string shard in new[] { "s1", "s2" })
            {
                await Db.ExecuteAsync(Primary(shard), "delete from activity_logs where team_id = @t", ("t", team));
            }
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task The_cli_reports_misplaced_rows_with_exit_code_1_and_repairs_them_to_exit_code_0()
    {
        await using var server = await DataTierServer.StartAsync(fixture, CatalogStore);
        await server.Services.GetRequiredService<OwnershipGuardSynchronizer>().FirstSync.WaitAsync(TimeSpan.FromSeconds(30));
        string cli = CliRunner.BuiltDll("DataTier.Cli", "datatier.dll");
        string target = $"--server {server.BaseAddress} --key {fixture.Manifest.Keys.Admin}";
        string team = fixture.KeyOnShard("s1", "verify-cli"), action = "verify-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var (clean, cleanOut, cleanErr) = await CliRunner.RunAsync(cli, $"shard verify {target}", TimeSpan.FromMinutes(1));
            Assert.True(clean == 0, cleanOut + cleanErr);
            Assert.Contains("Every row is on the shard the ring places it on.", cleanOut, StringComparison.Ordinal);

            await PlantAsync("s2", team, action, 7);
            var (found, foundOut, _) = await CliRunner.RunAsync(cli, $"shard verify {target}", TimeSpan.FromMinutes(1));
            Assert.Equal(1, found);
            Assert.Contains("activity_logs: 7 belong to s1", foundOut, StringComparison.Ordinal);
            Assert.Contains("datatier shard verify --repair", foundOut, StringComparison.Ordinal);

            var (repaired, repairOut, repairErr) = await CliRunner.RunAsync(cli, $"shard verify --repair {target}", TimeSpan.FromMinutes(1));
            Assert.True(repaired == 0, repairOut + repairErr);
            Assert.Contains("7 moved, 0 left", repairOut, StringComparison.Ordinal);
            Assert.Equal(7, await CountAsync("s1", action));
            Assert.Equal(0, await CountAsync("s2", action));
        }
        finally
        {
            foreach (string shard in new[] { "s1", "s2" })
            {
                await Db.ExecuteAsync(Primary(shard), "delete from activity_logs where team_id = @t", ("t", team));
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Verify_without_the_catalog_topology_is_refused_with_a_problem()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        Api.AssertProblem(await Api.GetAsync(admin, "/admin/shards/verify"), HttpStatusCode.Conflict, "topology-not-in-catalog");
    }
}
