using System.Globalization;
using System.Text;

namespace DataTier.DevCluster.Postgres;

/// <summary>Configuration shared by every instance of a local cluster, and per-instance settings.</summary>
internal static class PostgresSetup
{
    /// <summary>Bootstrap superuser (initdb <c>-U</c>), reachable only over the Unix socket.</summary>
    public const string SuperuserName = "postgres";

    /// <summary>File each instance's <c>postgresql.conf</c> includes last: port and name.</summary>
    public const string InstanceConfigFile = "instance.conf";

    /// <summary>
    /// Appended to the template's <c>postgresql.conf</c>. Durability is off (fsync, full_page_writes,
    /// synchronous_commit) because a dev cluster is rebuilt rather than recovered.
    /// </summary>
    public static string CommonConfig(string socketDir) => $"""

        # --- DataTier dev cluster ---
        listen_addresses = '127.0.0.1'
        unix_socket_directories = '{Quote(socketDir)}'
        unix_socket_permissions = 0700
        max_connections = 300
        wal_level = logical
        max_wal_senders = 20
        max_replication_slots = 20
        hot_standby = on
        hot_standby_feedback = on
        shared_preload_libraries = 'pg_stat_statements,pg_qualstats'
        pg_stat_statements.track = all
        track_io_timing = on
        fsync = off
        synchronous_commit = off
        full_page_writes = off
        max_wal_size = 1GB
        log_line_prefix = '%m [%p] %q%u@%d '
        include_if_exists = '{InstanceConfigFile}'

        """;

    /// <summary>
    /// Client authentication: passwords (SCRAM) over TCP on 127.0.0.1, for queries and replication; the
    /// superuser only over the Unix socket, whose directory only the server's OS user can enter.
    /// </summary>
    public const string HbaConfig = """
        # TYPE  DATABASE     USER      ADDRESS        METHOD
        local   all          postgres                 trust
        host    all          all       127.0.0.1/32   scram-sha-256
        host    replication  all       127.0.0.1/32   scram-sha-256

        """;

    public static string InstanceConfig(int port, string name)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"port = {port}\n");
        text.Append(CultureInfo.InvariantCulture, $"cluster_name = '{Quote(name)}'\n");
        return text.ToString();
    }

    private static string Quote(string value) => value.Replace("'", "''", StringComparison.Ordinal);
}
