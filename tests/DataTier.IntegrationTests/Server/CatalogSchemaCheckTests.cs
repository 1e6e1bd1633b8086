using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.Migrations;
using Npgsql;

namespace DataTier.IntegrationTests.Server;

/// <summary>The server will not start against a catalog whose schema is behind, and says which command fixes it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CatalogSchemaCheckTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_catalog_without_the_latest_migration_stops_start_up_naming_the_command()
    {
        var catalogNode = fixture.Cluster.Nodes.First(n => n.ShardId is null);
        string database = "it_catalog_" + Guid.NewGuid().ToString("N")[..8];
        await Db.ExecuteAsync(catalogNode.SuperuserConnectionString, $"CREATE DATABASE {database} OWNER {LocalCluster.AdminRole}");
        try
        {
            string behind = new NpgsqlConnectionStringBuilder(fixture.Manifest.CatalogAdmin) { Database = database }.ConnectionString;
            var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Catalog:ConnectionString"] = behind });
            });
            Assert.Contains("datatier migrate catalog", error.ToString(), StringComparison.Ordinal);
            Assert.Contains($"needs {SchemaVersion.Latest(MigrationSet.Catalog)}", error.ToString(), StringComparison.Ordinal);

            // Migrated, the same catalog is accepted.
            MigrationApplier.Apply(behind, MigrationSet.Catalog, dryRun: false, sqlOut: null);
            await using var started = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Catalog:ConnectionString"] = behind });
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Db.ExecuteAsync(catalogNode.SuperuserConnectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }
}
