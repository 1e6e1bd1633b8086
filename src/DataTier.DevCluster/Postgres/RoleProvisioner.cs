using DataTier.DevCluster.State;
using Npgsql;

namespace DataTier.DevCluster.Postgres;

/// <summary>
/// Creates the roles, extensions and database of an instance, as the superuser over the Unix socket.
/// Runs on the catalog and on every shard primary before any replica is cloned, so replicas get it all.
/// </summary>
internal static class RoleProvisioner
{
    public static async Task ProvisionAsync(ClusterState state, NodeState node, CancellationToken ct)
    {
        // Passwords are generated alphanumerics (see Secrets), so inlining them in DDL is safe.
        await ExecuteAsync(state.SuperuserConnectionString(node), $"""
            CREATE ROLE {LocalCluster.AdminRole} LOGIN PASSWORD '{state.AdminPassword}' NOSUPERUSER NOCREATEDB NOCREATEROLE REPLICATION;
            GRANT pg_monitor, pg_read_all_stats TO {LocalCluster.AdminRole};
            CREATE ROLE {LocalCluster.AppRole} LOGIN PASSWORD '{state.AppPassword}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
            GRANT pg_monitor TO {LocalCluster.AppRole};
            """, ct).ConfigureAwait(false);

        // None of these extensions is trusted, so the (non-superuser) migration role could not create them.
        // Created in template1, every database made afterwards has them, and the shard migration's
        // CREATE EXTENSION IF NOT EXISTS has nothing left to do. The grants are copied with template1 too; pg_promote
        // is for planned switchovers, which promote through the app role's connection string.
        await ExecuteAsync(state.SuperuserConnectionString(node, "template1"), $"""
            CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
            CREATE EXTENSION IF NOT EXISTS hypopg;
            CREATE EXTENSION IF NOT EXISTS pg_qualstats;
            GRANT EXECUTE ON FUNCTION pg_stat_statements_reset(oid, oid, bigint) TO {LocalCluster.AdminRole};
            GRANT EXECUTE ON FUNCTION pg_qualstats_reset() TO {LocalCluster.AdminRole};
            GRANT EXECUTE ON FUNCTION pg_promote(boolean, integer) TO {LocalCluster.AppRole};
            """, ct).ConfigureAwait(false);

        // CREATE DATABASE cannot share a (implicit) transaction with other statements.
        await ExecuteAsync(state.SuperuserConnectionString(node), $"CREATE DATABASE {node.Database} OWNER {LocalCluster.AdminRole}", ct)
            .ConfigureAwait(false);

        await GrantAppRoleAsync(state.SuperuserConnectionString(node, node.Database), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// On a database the admin role owns (and so, PostgreSQL 15+: pg_database_owner, schema public): the app role
    /// gets DML on every table the admin role makes, in any schema it makes, and no DDL.
    /// </summary>
    public static Task GrantAppRoleAsync(string superuserConnectionString, CancellationToken ct) =>
        ExecuteAsync(superuserConnectionString, $"""
            REVOKE CREATE ON SCHEMA public FROM PUBLIC;
            GRANT USAGE ON SCHEMA public TO {LocalCluster.AppRole};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {LocalCluster.AppRole};
            ALTER DEFAULT PRIVILEGES FOR ROLE {LocalCluster.AdminRole} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {LocalCluster.AppRole};
            ALTER DEFAULT PRIVILEGES FOR ROLE {LocalCluster.AdminRole} GRANT USAGE, SELECT ON SEQUENCES TO {LocalCluster.AppRole};
            ALTER DEFAULT PRIVILEGES FOR ROLE {LocalCluster.AdminRole} GRANT USAGE ON SCHEMAS TO {LocalCluster.AppRole};
            """, ct);

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
