using System.Globalization;
using System.Text;
using DataTier.LoadReport.Cluster;
using DataTier.CommandLine;

namespace DataTier.LoadReport.Preparation;

/// <summary>
/// Writes a PgBouncer configuration for one shard: transaction pooling in front of its primary (the node the
/// pgbench-direct scenarios use), SCRAM with the client and with the server, listening on 127.0.0.1 only and on no
/// Unix socket. bench/run hands the directory to the <c>postgres</c> user (PgBouncer refuses to run as root) and
/// starts it in the foreground, logging to stderr.
/// </summary>
internal static class PgBouncerConfigWriter
{
    public const string ConfigFile = "pgbouncer.ini";
    public const string AuthFile = "userlist.txt";

    public static void Write(ManifestShard shard, string dir, int port, int poolSize, int maxClients, PgBouncerFeatures features)
    {
        var primary = shard.PrimaryEndpoint;
        if (primary.Password.Contains('"', StringComparison.Ordinal) || primary.Username.Contains('"', StringComparison.Ordinal)
            || primary.Database.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_'))
        {
            throw new UsageException("The datatier_app login cannot be written into PgBouncer's files as it is.");
        }

        dir = Path.GetFullPath(dir);
        Directory.CreateDirectory(dir);
        string prepared = features.PreparedStatements
            ? string.Create(CultureInfo.InvariantCulture, $"max_prepared_statements = {PgBouncerFeatures.MaxPreparedStatements}")
            : $"; max_prepared_statements needs PgBouncer {PgBouncerFeatures.PreparedStatementsSince}+ (this is {features.Version})";
        string conf = string.Create(CultureInfo.InvariantCulture, $"""
            ; PgBouncer for the DataTier load comparison (written by DataTier.LoadReport prepare).
            [databases]
            {primary.Database} = host={primary.Host} port={primary.Port} dbname={primary.Database}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =

            ; SCRAM with the client and with the server, from the clear-text password in the auth file.
            auth_type = scram-sha-256
            auth_file = {dir}/{AuthFile}

            ; Transaction pooling with as many server connections as DataTier's wire front end keeps per node.
            pool_mode = transaction
            default_pool_size = {poolSize}
            min_pool_size = 0
            reserve_pool_size = 0
            max_client_conn = {maxClients}
            {prepared}

            ; pgbench sends no startup parameter PgBouncer would refuse; drivers that send this one still connect.
            ignore_startup_parameters = extra_float_digits
            log_connections = 0
            log_disconnections = 0
            stats_period = 60

            """);
        File.WriteAllText(Path.Combine(dir, ConfigFile), conf, new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(dir, AuthFile), $"\"{primary.Username}\" \"{primary.Password}\"\n", new UTF8Encoding(false));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(dir, AuthFile), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(Path.Combine(dir, ConfigFile), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
