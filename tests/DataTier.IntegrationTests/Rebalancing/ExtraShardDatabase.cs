using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.Migrations;
using Npgsql;

namespace DataTier.IntegrationTests.Rebalancing;

/// <summary>
/// A real extra shard for topology tests: a new database, with the shard schema migrated, on the cluster's catalog
/// server (a shard is a database; it need not have a server of its own). Dropped on dispose.
/// </summary>
public sealed class ExtraShardDatabase : IAsyncDisposable
{
    private readonly ClusterNode _server;

    private ExtraShardDatabase(ClusterNode server, string name, string appConnectionString)
    {
        _server = server;
        Name = name;
        AppConnectionString = appConnectionString;
    }

    /// <summary>The database's name.</summary>
    public string Name { get; }

    /// <summary>What DataTier connects with (the application role).</summary>
    public string AppConnectionString { get; }

    /// <summary>Creates the database and applies the shard migrations to it.</summary>
    public static async Task<ExtraShardDatabase> CreateAsync(ClusterFixture fixture, bool migrate = true)
    {
        var server = fixture.Cluster.Nodes.Single(n => n.ShardId is null);
        string name = "dt_extra_" + Guid.NewGuid().ToString("N")[..10];
        string admin = new NpgsqlConnectionStringBuilder(server.AdminConnectionString).Username!;
        await Db.ExecuteAsync(server.SuperuserConnectionString, $"create database {name} owner {admin}");
        await LocalCluster.GrantAppRoleAsync(new NpgsqlConnectionStringBuilder(server.SuperuserConnectionString) { Database = name }.ConnectionString);
        string adminConnection = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = name }.ConnectionString;
        if (migrate)
        {
            MigrationApplier.Apply(adminConnection, MigrationSet.Shard, dryRun: false, sqlOut: null);
        }

        string app = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
        return new ExtraShardDatabase(server, name, app);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Db.ExecuteAsync(_server.SuperuserConnectionString, $"drop database if exists {Name} with (force)");
    }
}
