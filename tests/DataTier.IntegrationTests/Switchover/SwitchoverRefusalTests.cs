using System.Net;
using DataTier.Core.Topology;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DataTier.IntegrationTests.Switchover;

/// <summary>
/// Switchovers refused with a 409 and a stable problem type, nothing changed: these never promote anything, so they
/// run on the shared cluster.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SwitchoverRefusalTests(ClusterFixture fixture)
{
    private static readonly Dictionary<string, string?> CatalogStore = new() { ["DataTier:Topology:Store"] = "Catalog" };

    [Fact(Timeout = 120_000)]
    public async Task Unknown_shard_a_node_that_is_not_its_replica_and_a_running_move_are_refused_with_409()
    {
        await using var server = await DataTierServer.StartAsync(fixture, CatalogStore);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        long version = server.Services.GetRequiredService<ITopologyProvider>().Current.Version;

        Api.AssertProblem(await Api.PostAsync(admin, "/admin/shards/nope/switchover", new { }), HttpStatusCode.Conflict, "unknown-shard");
        Api.AssertProblem(await Api.PostAsync(admin, "/admin/shards/s1/switchover", new { to = "s2-replica1" }), HttpStatusCode.Conflict, "not-a-replica");
        Api.AssertProblem(await Api.PostAsync(admin, "/admin/shards/s1/switchover", new { to = "s1-primary" }), HttpStatusCode.Conflict, "not-a-replica");

        // A move recorded as running, leased to another instance for an hour (so nobody here drives it).
        long move = await Db.ScalarAsync<long>(fixture.Manifest.Catalog,
            "insert into datatier.rebalance_moves (state, phase, spec, progress, owner, lease_until) values ('running', 'copying', '{}', '{}', 'switchover-test', now() + interval '1 hour') returning id");
        try
        {
            Api.AssertProblem(await Api.PostAsync(admin, "/admin/shards/s1/switchover", new { to = "s1-replica1" }), HttpStatusCode.Conflict, "rebalance-running");
        }
        finally
        {
            await Db.ExecuteAsync(fixture.Manifest.Catalog, "delete from datatier.rebalance_moves where id = @i", ("i", move));
        }

        Assert.Equal(version, await Db.ScalarAsync<long>(fixture.Manifest.Catalog, "select max(version) from datatier.topology_versions"));
        Assert.True(await Db.ScalarAsync<bool>(fixture.Cluster.GetNode("s1-replica1").SuperuserConnectionString, "select pg_is_in_recovery()"));

        string cli = CliRunner.BuiltDll("DataTier.Cli", "datatier.dll");
        var (code, _, stderr) = await CliRunner.RunAsync(cli, $"shard switchover nope --server {server.BaseAddress} --key {fixture.Manifest.Keys.Admin}", TimeSpan.FromMinutes(1));
        Assert.True(code == 2, stderr);
        Assert.Contains("unknown-shard", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_fixed_topology_is_refused_with_409_topology_not_in_catalog()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        Api.AssertProblem(await Api.PostAsync(admin, "/admin/shards/s1/switchover", new { }), HttpStatusCode.Conflict, "topology-not-in-catalog");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_target_that_cannot_catch_up_within_the_bound_is_refused_the_fence_lifted_and_the_held_write_lands_on_the_old_primary()
    {
        var overrides = new Dictionary<string, string?>(CatalogStore) { ["DataTier:Switchover:MaxWritePauseMs"] = "300" };
        await using var server = await DataTierServer.StartAsync(fixture, overrides);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var replica = fixture.Cluster.GetNode("s1-replica1");
        var primary = fixture.Cluster.GetNode("s1-primary");
        long version = server.Services.GetRequiredService<ITopologyProvider>().Current.Version;
        string key = fixture.KeyOnShard("s1", "so-lag");

        await Db.ExecuteAsync(replica.SuperuserConnectionString, "select pg_wal_replay_pause()");
        try
        {
            var switching = Api.PostAsync(admin, "/admin/shards/s1/switchover", new { to = "s1-replica1" });
            await Task.Delay(100);
            var written = await Api.PostAsync(app, "/v1/execute", new { shardKey = key, sql = "insert into users (team_id, user_id, email) values (@t, 1, 'held')", @params = new { t = key } });
            Api.AssertProblem(await switching, HttpStatusCode.Conflict, "replica-lagging");
            Assert.True(written.Status == HttpStatusCode.OK, written.Body?.ToJsonString());
        }
        finally
        {
            await Db.ExecuteAsync(replica.SuperuserConnectionString, "select pg_wal_replay_resume()");
        }

        try
        {
            Assert.Equal(1, await Db.ScalarAsync<long>(primary.AdminConnectionString, "select count(*) from users where team_id = @t", ("t", key)));
            Assert.Equal(0, await Db.ScalarAsync<long>(primary.AdminConnectionString, "select count(*) from datatier_move.sources where move_id = -1000000000000"));
            Assert.Equal(version, await Db.ScalarAsync<long>(fixture.Manifest.Catalog, "select max(version) from datatier.topology_versions"));
            Assert.True(await Db.ScalarAsync<bool>(replica.SuperuserConnectionString, "select pg_is_in_recovery()"));
        }
        finally
        {
            await Db.ExecuteAsync(primary.AdminConnectionString, "delete from users where team_id = @t", ("t", key));
        }
    }
}
