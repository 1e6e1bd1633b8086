using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class RolePermissionTests(ClusterFixture fixture)
{
    public static TheoryData<string> DdlStatements => new()
    {
        "CREATE TABLE it_app_ddl (id int)",
        "CREATE INDEX it_app_ddl_idx ON tasks (status)",
        "ALTER TABLE tasks ADD COLUMN it_app_ddl int",
        "DROP TABLE agent_cards",
        "TRUNCATE activity_logs",
        "CREATE SCHEMA it_app_ddl",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    };

    [Theory]
    [MemberData(nameof(DdlStatements))]
    public async Task App_role_cannot_run_ddl_on_a_shard(string statement)
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(fixture.Manifest.Shards[0].Primary, statement));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task App_role_cannot_run_ddl_on_the_catalog()
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            Db.ExecuteAsync(fixture.Manifest.Catalog, "CREATE TABLE datatier.it_app_ddl (id int)"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task App_role_reads_and_writes_rows_on_shards_and_catalog()
    {
        await using (var shard = await Db.OpenAsync(fixture.Manifest.Shards[0].Primary))
        await using (var tx = await shard.BeginTransactionAsync())
        {
            string team = fixture.KeyOnShard(fixture.Manifest.Shards[0].Id, "it-dml");
            await using var command = new NpgsqlCommand(
                "INSERT INTO teams (team_id, name) VALUES (@t, 'x'); UPDATE teams SET plan = 'pro' WHERE team_id = @t; DELETE FROM teams WHERE team_id = @t;",
                shard,
                tx);
            command.Parameters.AddWithValue("t", team);
            await command.ExecuteNonQueryAsync();
            await tx.RollbackAsync();
        }

        await using var catalog = await Db.OpenAsync(fixture.Manifest.Catalog);
        await using var catalogTx = await catalog.BeginTransactionAsync();
        await using var insert = new NpgsqlCommand(
            "INSERT INTO datatier.topology_versions (version, document) VALUES (-1, '{}'); SELECT count(*) FROM datatier.sharded_tables;",
            catalog,
            catalogTx);
        Assert.Equal(5L, (long)(await insert.ExecuteScalarAsync())!);
        await catalogTx.RollbackAsync();
    }

    [Fact]
    public async Task Admin_role_owns_the_schema_and_may_run_ddl()
    {
        await using var connection = await Db.OpenAsync(fixture.Manifest.Shards[0].PrimaryAdmin);
        await using var tx = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("CREATE TABLE it_admin_ddl (id int); CREATE INDEX ON tasks (status);", connection, tx);
        await command.ExecuteNonQueryAsync();
        await tx.RollbackAsync();
    }
}
