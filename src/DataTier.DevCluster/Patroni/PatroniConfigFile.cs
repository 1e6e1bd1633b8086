using System.Globalization;
using System.Text;
using DataTier.DevCluster.State;

namespace DataTier.DevCluster.Patroni;

/// <summary>
/// A node's Patroni configuration (YAML). One Patroni cluster (scope) per shard, all in one etcd. The bootstrap
/// section is written to etcd by the first leader and is the cluster's dynamic configuration from then on.
/// </summary>
internal static class PatroniConfigFile
{
    /// <summary>Key prefix in etcd, shared by every shard's Patroni cluster.</summary>
    public const string Namespace = "/datatier/";

    /// <summary>The Patroni scope (cluster name) of a shard.</summary>
    public static string Scope(string shardId) => "datatier-" + shardId;

    /// <summary>
    /// The configuration of <paramref name="node"/>. Patroni connects to its postgres over the Unix socket as the
    /// bootstrap superuser (trusted there, as for the dev cluster itself) and streams between nodes as the admin role,
    /// which has REPLICATION. The server parameters repeat the template's where Patroni would otherwise impose its
    /// defaults on a restart (max_connections 100, wal_level replica), and turn synchronous_commit back on: the plain
    /// dev cluster runs it off, and without it a synchronous standby guarantees nothing.
    /// </summary>
    public static string Render(ClusterState state, NodeState node)
    {
        var patroni = node.Patroni ?? throw new InvalidOperationException($"{node.Id} is not Patroni-managed.");
        var etcd = state.Etcd ?? throw new InvalidOperationException("The cluster has no etcd.");
        var text = new StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        Line($"scope: {Quote(Scope(node.ShardId!))}");
        Line($"namespace: {Quote(Namespace)}");
        Line($"name: {Quote(node.Id)}");
        Line("log:");
        Line("  level: INFO");
        Line("restapi:");
        Line(Invariant($"  listen: '127.0.0.1:{patroni.Port}'"));
        Line(Invariant($"  connect_address: '127.0.0.1:{patroni.Port}'"));
        Line("etcd3:");
        Line(Invariant($"  host: '127.0.0.1:{etcd.Port}'"));
        Line("bootstrap:");
        Line("  dcs:");
        Line(Invariant($"    ttl: {PatroniTimings.Ttl}"));
        Line(Invariant($"    loop_wait: {PatroniTimings.LoopWait}"));
        Line(Invariant($"    retry_timeout: {PatroniTimings.RetryTimeout}"));
        Line("    maximum_lag_on_failover: 1048576");
        // A crashed primary is failed over at once instead of being restarted in place (the default waits 300 s).
        Line("    primary_start_timeout: 0");
        Line("    synchronous_mode: true");
        Line("    postgresql:");
        // No wal_log_hints or checksums in the template, so pg_rewind could not run anyway.
        Line("      use_pg_rewind: false");
        Line("      use_slots: true");
        Line("      parameters:");
        Line("        max_connections: 300");
        Line("        max_wal_senders: 20");
        Line("        max_replication_slots: 20");
        Line("        wal_level: logical");
        Line("        hot_standby: 'on'");
        Line("        hot_standby_feedback: 'on'");
        Line("        synchronous_commit: 'on'");
        Line("postgresql:");
        Line(Invariant($"  listen: '127.0.0.1:{node.Port}'"));
        Line(Invariant($"  connect_address: '127.0.0.1:{node.Port}'"));
        Line($"  data_dir: {Quote(node.DataDir)}");
        Line($"  bin_dir: {Quote(state.PostgresBinDir)}");
        Line($"  pgpass: {Quote(Path.Combine(patroni.WorkingDirectory, node.Id + ".pgpass"))}");
        Line("  use_unix_socket: true");
        Line("  authentication:");
        Line("    superuser:");
        Line($"      username: {Quote(Postgres.PostgresSetup.SuperuserName)}");
        Line("    replication:");
        Line($"      username: {Quote(LocalCluster.AdminRole)}");
        Line($"      password: {Quote(state.AdminPassword)}");
        Line("  parameters:");
        Line($"    unix_socket_directories: {Quote(state.SocketDir)}");
        return text.ToString();
    }

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);

    // YAML single-quoted scalar: nothing is special inside but the quote itself, doubled.
    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
