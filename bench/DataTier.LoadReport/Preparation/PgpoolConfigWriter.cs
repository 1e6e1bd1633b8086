using System.Globalization;
using System.Text;
using DataTier.LoadReport.Cluster;
using DataTier.CommandLine;

namespace DataTier.LoadReport.Preparation;

/// <summary>
/// Writes a Pgpool-II configuration for one shard: streaming-replication mode in front of its primary and replica,
/// load balancing on, and the in-memory query cache in shared memory. Everything (sockets, pid file, status file,
/// cache oid maps) stays inside <c>dir</c>, and it listens on 127.0.0.1 only.
/// </summary>
internal static class PgpoolConfigWriter
{
    public const string ConfigFile = "pgpool.conf";
    public const string PcpFile = "pcp.conf";
    public const string HbaFile = "pool_hba.conf";

    public static void Write(ManifestShard shard, string dir, int port, int children)
    {
        var primary = shard.PrimaryEndpoint;
        var replica = shard.ReplicaEndpoint ?? throw new UsageException(
            $"Shard {shard.Id} has no replica; the pgpool comparison balances over a primary and a replica (start the cluster with --replicas 1).");
        if (primary.Password.Contains('\'', StringComparison.Ordinal) || primary.Username.Contains(':', StringComparison.Ordinal))
        {
            throw new UsageException("The datatier_app login cannot be written into pgpool's files as it is.");
        }

        dir = Path.GetFullPath(dir);
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(Path.Combine(dir, "oiddir"));
        string conf = string.Create(CultureInfo.InvariantCulture, $"""
            # Pgpool-II for the DataTier load comparison (written by DataTier.LoadReport prepare).
            backend_clustering_mode = 'streaming_replication'
            listen_addresses = '127.0.0.1'
            port = {port}
            socket_dir = '{dir}'
            pcp_listen_addresses = ''
            pcp_port = {port + 1}
            pcp_socket_dir = '{dir}'
            pid_file_name = '{dir}/pgpool.pid'
            logdir = '{dir}'

            backend_hostname0 = '{primary.Host}'
            backend_port0 = {primary.Port}
            backend_weight0 = 1
            backend_flag0 = 'ALLOW_TO_FAILOVER'
            backend_hostname1 = '{replica.Host}'
            backend_port1 = {replica.Port}
            backend_weight1 = 1
            backend_flag1 = 'ALLOW_TO_FAILOVER'

            # Authentication: SCRAM to the backends with the password from pool_passwd.
            enable_pool_hba = off
            pool_passwd = 'pool_passwd'

            # One pooled backend connection set per client; enough children for every pgbench client.
            num_init_children = {children}
            max_pool = 1

            # Reads balanced over primary and replica (per session); no lag check, no health check, no failover.
            load_balance_mode = on
            sr_check_period = 0
            sr_check_user = '{primary.Username}'
            sr_check_password = '{primary.Password}'
            sr_check_database = '{primary.Database}'
            health_check_period = 0
            failover_on_backend_error = off

            # The in-memory query cache, in shared memory.
            memory_cache_enabled = on
            memqcache_method = 'shmem'
            memqcache_total_size = 256MB
            memqcache_max_num_cache = 1000000
            memqcache_expire = 0
            memqcache_auto_cache_invalidation = on
            memqcache_maxcache = 400kB
            memqcache_oiddir = '{dir}/oiddir'

            log_min_messages = warning

            """);
        File.WriteAllText(Path.Combine(dir, ConfigFile), conf, new UTF8Encoding(false));
        // pool_passwd accepts a clear-text password behind the TEXT prefix; the directory is private to root.
        File.WriteAllText(Path.Combine(dir, "pool_passwd"), $"{primary.Username}:TEXT{primary.Password}\n");
        File.WriteAllText(Path.Combine(dir, PcpFile), "");
        File.WriteAllText(Path.Combine(dir, HbaFile), "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(dir, "pool_passwd"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(Path.Combine(dir, ConfigFile), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
