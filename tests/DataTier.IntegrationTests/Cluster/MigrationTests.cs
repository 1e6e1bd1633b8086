using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.Migrations;
using Npgsql;

namespace DataTier.IntegrationTests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class MigrationTests(ClusterFixture fixture)
{
    [Fact]
    public void Applying_the_migrations_to_the_started_cluster_again_runs_nothing()
    {
        Assert.Empty(MigrationApplier.Apply(fixture.Manifest.CatalogAdmin, MigrationSet.Catalog, dryRun: false, sqlOut: null).Ran);
        foreach (var shard in fixture.Manifest.Shards)
        {
            Assert.Empty(MigrationApplier.Apply(shard.PrimaryAdmin, MigrationSet.Shard, dryRun: false, sqlOut: null).Ran);
        }
    }

    [Fact]
    public async Task Shards_have_only_the_primary_keys_the_activity_log_time_index_and_the_ring_position_indexes()
    {
        var indexes = await Db.StringsAsync(fixture.Manifest.Shards[0].Primary,
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'VersionInfo' ORDER BY 1");
        Assert.Equal(
            [
                "activity_logs_pkey", "activity_logs_ring_position_idx", "activity_logs_team_id_created_at_idx", "agent_cards_pkey", "agent_cards_ring_position_idx",
                "tasks_pkey", "tasks_ring_position_idx", "teams_pkey", "teams_ring_position_idx", "users_pkey", "users_ring_position_idx",
            ],
            indexes);
        Assert.Equal(0L, await Db.ScalarAsync<long>(fixture.Manifest.Shards[0].Primary,
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace"));
    }

    [Fact]
    public async Task Dry_run_reports_and_prints_pending_shard_migrations_without_applying_them_and_a_real_run_is_idempotent()
    {
        var primary = fixture.Cluster.GetNode(LocalCluster.PrimaryNodeId("s1"));
        string database = "it_migrations_" + Guid.NewGuid().ToString("N")[..8];
        await Db.ExecuteAsync(primary.SuperuserConnectionString, $"CREATE DATABASE {database} OWNER {LocalCluster.AdminRole}");
        try
        {
            string target = new NpgsqlConnectionStringBuilder(primary.AdminConnectionString) { Database = database }.ConnectionString;

            var sql = new StringWriter();
            var preview = MigrationApplier.Apply(target, MigrationSet.Shard, dryRun: true, sqlOut: sql);
            Assert.True(preview.DryRun);
            Assert.Equal([202511230001L, 202511230002L, 202611240001L, 202611240002L, 202612030001L, 202612030002L, 202612040001L], preview.Ran.Select(m => m.Version));
            Assert.Contains("CREATE TABLE \"public\".\"activity_logs\"", sql.ToString(), StringComparison.Ordinal);
            Assert.Contains("CREATE EXTENSION IF NOT EXISTS hypopg", sql.ToString(), StringComparison.Ordinal);
            Assert.True(await Db.ScalarAsync<bool>(target, "SELECT to_regclass('public.teams') IS NULL"), "a dry run created tables");

            var applied = MigrationApplier.Apply(target, MigrationSet.Shard, dryRun: false, sqlOut: null);
            Assert.Equal([202511230001L, 202511230002L, 202611240001L, 202611240002L, 202612030001L, 202612030002L, 202612040001L], applied.Ran.Select(m => m.Version));
            Assert.Equal("teams", await Db.ScalarAsync<string>(target, "SELECT to_regclass('public.teams')::text"));

            Assert.True(MigrationApplier.Apply(target, MigrationSet.Shard, dryRun: false, sqlOut: null).UpToDate);
            Assert.True(MigrationApplier.Apply(target, MigrationSet.Shard, dryRun: true, sqlOut: null).UpToDate);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Db.ExecuteAsync(primary.SuperuserConnectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    [Fact]
    public async Task Catalog_migration_seeds_the_five_demo_tables_sharded_by_team_id()
    {
        var rows = await Db.StringsAsync(fixture.Manifest.Catalog,
            "SELECT table_name || ':' || shard_key_column FROM datatier.sharded_tables ORDER BY 1");
        Assert.Equal(["activity_logs:team_id", "agent_cards:team_id", "tasks:team_id", "teams:team_id", "users:team_id"], rows);
    }
}
