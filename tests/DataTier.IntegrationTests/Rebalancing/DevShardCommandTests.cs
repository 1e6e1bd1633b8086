using System.Text.Json.Nodes;
using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Rebalancing;

/// <summary>
/// The pieces of <c>datatier dev shard add|remove</c> on the shared cluster: a shard started for a running cluster
/// (primary, streaming replica, roles, shard schema) is recorded, takes rows through the CLI's <c>rebalance run</c>,
/// gives them back (<c>run --no-wait</c>, <c>status --wait</c>) and is stopped and forgotten again. The shared cluster has
/// no server process of its own, so the server is an in-test one with the catalog topology and the CLI is pointed at it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DevShardCommandTests(ClusterFixture fixture)
{
    private const string ShardId = "s3";

    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);

    private string CatalogAdmin => fixture.Cluster.Nodes.Single(n => n.ShardId is null).AdminConnectionString;

    [Fact]
    public async Task A_shard_added_to_the_running_cluster_takes_rows_through_the_cli_and_is_stopped_again()
    {
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.topology_versions");
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.rebalance_moves");
        var log = new StringWriter();
        var shard = await LocalCluster.AddShardAsync(fixture.BaseDir, ShardId, replicas: 1, TextWriter.Synchronized(log));
        try
        {
            var nodes = LocalCluster.Attach(fixture.BaseDir).Nodes.Where(n => n.ShardId == ShardId).ToList();
            Assert.Equal(new[] { LocalCluster.PrimaryNodeId(ShardId), LocalCluster.ReplicaNodeId(ShardId, 1) }, nodes.Select(n => n.Id));
            var replica = nodes.Single(n => n.Role == ClusterNodeRole.Replica);
            Assert.True(await Db.ScalarAsync<bool>(replica.ConnectionString, "select pg_is_in_recovery()"), log.ToString());
            Assert.Equal(1, await Db.ScalarAsync<long>(nodes[0].AdminConnectionString, "select count(*) from pg_stat_replication"));
            // The shard schema, reachable as the application role, and no demo data.
            Assert.Equal(0, await Db.ScalarAsync<long>(shard.Primary, "select count(*) from teams"));

            await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?>
            {
                ["DataTier:Topology:Store"] = "Catalog",
                ["DataTier:Rebalancing:CleanupGraceSeconds"] = "1",
            });
            string cli = CliRunner.BuiltDll("DataTier.Cli", "datatier.dll");
            string target = $"--server {server.BaseAddress} --key {fixture.Manifest.Keys.Admin}";
            var added = await CliRunner.RunAsync(cli, $"shard add {ShardId} --primary \"{shard.Primary}\" --replica \"{shard.Replicas[0]}\" {target}", CliTimeout);
            Assert.True(added.Code == 0, added.Stderr);

            var run = await CliRunner.RunAsync(cli, $"rebalance run --max-write-pause-ms 1000 {target}", CliTimeout);
            Assert.True(run.Code == 0, run.Stderr);
            var move = JsonNode.Parse(run.Stdout)!;
            Assert.Equal("done", (string?)move["state"]);
            Assert.All(move["pairs"]!.AsArray(), p => Assert.Equal(ShardId, (string?)p!["to"]));
            Assert.Contains($"move {move["id"]} [", run.Stderr, StringComparison.Ordinal);
            Assert.Contains($"Move {move["id"]} done", run.Stderr, StringComparison.Ordinal);
            Assert.True(await Db.ScalarAsync<long>(shard.Primary, "select count(*) from teams") > 0, "s3 received teams");

            var again = await CliRunner.RunAsync(cli, $"rebalance run {target}", CliTimeout);
            Assert.Equal(2, again.Code);
            Assert.Contains("nothing-to-move", again.Stderr, StringComparison.Ordinal);

            Assert.Equal(0, (await CliRunner.RunAsync(cli, $"shard drain {ShardId} {target}", CliTimeout)).Code);
            var started = await CliRunner.RunAsync(cli, $"rebalance run --no-wait {target}", CliTimeout);
            Assert.True(started.Code == 0, started.Stderr);
            long back = (long)JsonNode.Parse(started.Stdout)!["id"]!;
            var followed = await CliRunner.RunAsync(cli, $"rebalance status {back} --wait {target}", CliTimeout);
            Assert.True(followed.Code == 0, followed.Stderr);
            Assert.Equal("done", (string?)JsonNode.Parse(followed.Stdout)!["state"]);
            var listed = await CliRunner.RunAsync(cli, $"rebalance list --json {target}", CliTimeout);
            Assert.Contains(JsonNode.Parse(listed.Stdout)!["moves"]!.AsArray(), m => (long)m!["id"]! == back);
            Assert.Equal(0, await Db.ScalarAsync<long>(shard.Primary, "select count(*) from teams"));
            Assert.Equal(0, (await CliRunner.RunAsync(cli, $"shard remove {ShardId} {target}", CliTimeout)).Code);
        }
        finally
        {
            await LocalCluster.RemoveShardAsync(fixture.BaseDir, ShardId, deleteData: true, TextWriter.Synchronized(log));
        }

        Assert.DoesNotContain(LocalCluster.Attach(fixture.BaseDir).Nodes, n => n.ShardId == ShardId);
        Assert.False(Directory.Exists(Path.Combine(fixture.BaseDir, "pg", LocalCluster.PrimaryNodeId(ShardId))));
    }
}
