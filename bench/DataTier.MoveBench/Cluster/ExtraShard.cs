using DataTier.DevCluster;
using DataTier.Migrations;
using Npgsql;

namespace DataTier.MoveBench.Cluster;

/// <summary>
/// The empty third shard the moves fill and drain: a new database, with the shard schema migrated, on the cluster's
/// catalog server, as the integration tests make one (a shard is a database; it need not have a server of its own).
/// It is not dropped: it goes with the cluster.
/// </summary>
internal static class ExtraShard
{
    /// <summary>Creates database <paramref name="name"/> and returns its connection string as the application role.</summary>
    public static async Task<string> CreateAsync(ClusterNode server, string name, CancellationToken ct)
    {
        string admin = new NpgsqlConnectionStringBuilder(server.AdminConnectionString).Username!;
        await Sql.ExecuteAsync(server.SuperuserConnectionString, $"create database {name} owner {admin}", ct);
        await LocalCluster.GrantAppRoleAsync(new NpgsqlConnectionStringBuilder(server.SuperuserConnectionString) { Database = name }.ConnectionString, ct);
        string adminConnection = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = name }.ConnectionString;
        MigrationApplier.Apply(adminConnection, MigrationSet.Shard, dryRun: false, sqlOut: null);
        return new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
    }
}
