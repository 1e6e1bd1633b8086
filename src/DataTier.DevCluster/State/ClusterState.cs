using DataTier.DevCluster.Postgres;
using Npgsql;

namespace DataTier.DevCluster.State;

/// <summary>
/// Everything about a local cluster that must survive this process: ports, PIDs, data directories and
/// secrets. Stored as <c>&lt;baseDir&gt;/cluster.json</c> (mode 0600); <see cref="ClusterManifest"/> is derived from it.
/// </summary>
internal sealed class ClusterState
{
    public int FormatVersion { get; set; } = 1;

    public ClusterStatus Status { get; set; } = ClusterStatus.Starting;

    public DateTimeOffset CreatedAt { get; set; }

    public string BaseDir { get; set; } = "";

    /// <summary>Whether PostgreSQL binaries run as the <c>postgres</c> OS user.</summary>
    public bool RunAsPostgres { get; set; }

    /// <summary>Directory of <c>pg_ctl</c>, <c>initdb</c>, ...</summary>
    public string PostgresBinDir { get; set; } = "";

    /// <summary>Unix socket directory shared by all instances (each socket is named by its port).</summary>
    public string SocketDir { get; set; } = "";

    public string AdminPassword { get; set; } = "";

    public string AppPassword { get; set; } = "";

    public ApiKeySet Keys { get; set; } = new("", "", "");

    public string TokenSigningKey { get; set; } = "";

    public List<NodeState> Nodes { get; set; } = [];

    public ProcessState? Redis { get; set; }

    public ProcessState? Server { get; set; }

    /// <summary>
    /// The shards run under Patroni with one etcd member (<c>dev up --ha</c>); the catalog never does. Recorded so
    /// that status, the test handle and down know which processes own the shard postmasters.
    /// </summary>
    public bool HighAvailability { get; set; }

    /// <summary>The etcd member Patroni keeps its leader keys in (<see cref="ProcessState.Port"/>: client port), or null.</summary>
    public ProcessState? Etcd { get; set; }

    /// <summary>Path of the server configuration written for the server process, if any.</summary>
    public string? ServerConfigPath { get; set; }

    public NodeState GetNode(string nodeId) =>
        Nodes.FirstOrDefault(n => string.Equals(n.Id, nodeId, StringComparison.Ordinal))
        ?? throw new ArgumentException(
            $"No node '{nodeId}' in this cluster; the nodes are: {string.Join(", ", Nodes.Select(n => n.Id))}.", nameof(nodeId));

    public string AppConnectionString(NodeState node) => TcpConnectionString(node, LocalCluster.AppRole, AppPassword);

    public string AdminConnectionString(NodeState node) => TcpConnectionString(node, LocalCluster.AdminRole, AdminPassword);

    /// <summary>As the <c>postgres</c> superuser over the Unix socket (trusted), to <paramref name="database"/>.</summary>
    public string SuperuserConnectionString(NodeState node, string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = SocketDir,
            Port = node.Port,
            Database = database,
            Username = PostgresSetup.SuperuserName,
            Timeout = 5,
            CommandTimeout = 300,
            Pooling = false,
        }.ConnectionString;

    public ClusterManifest ToManifest()
    {
        var catalog = Nodes.Single(n => n.Role == ClusterNodeRole.Catalog);
        var shards = Nodes
            .Where(n => n.Role == ClusterNodeRole.Primary)
            .Select(p => new ShardManifest
            {
                Id = p.ShardId!,
                Primary = AppConnectionString(p),
                PrimaryAdmin = AdminConnectionString(p),
                Replicas = Nodes.Where(r => r.Role == ClusterNodeRole.Replica && r.UpstreamId == p.Id).Select(AppConnectionString).ToList(),
                PatroniRestUrls = p.Patroni is null
                    ? null
                    : Nodes.Where(n => n.ShardId == p.ShardId && n.PatroniRestUrl is not null).Select(n => n.PatroniRestUrl!).ToList(),
            })
            .ToList();

        return new ClusterManifest
        {
            BaseUrl = Server is null ? null : $"http://127.0.0.1:{Server.Port}",
            PostgresPort = Server?.WirePort ?? 0,
            Keys = Keys,
            Shards = shards,
            Catalog = AppConnectionString(catalog),
            CatalogAdmin = AdminConnectionString(catalog),
            Redis = Redis is null ? null : $"127.0.0.1:{Redis.Port}",
            AdminPassword = AdminPassword,
            TokenSigningKey = TokenSigningKey,
            BaseDir = BaseDir,
            Nodes = Nodes.Select(ToNode).ToList(),
            Etcd = Etcd is null ? null : $"http://127.0.0.1:{Etcd.Port}",
        };
    }

    public ClusterNode ToNode(NodeState n) => new(
        n.Id, n.ShardId, n.Role, n.Port, n.DataDir, n.LogFile, n.Pid,
        AppConnectionString(n), AdminConnectionString(n), SuperuserConnectionString(n), n.PatroniRestUrl);

    private static string TcpConnectionString(NodeState node, string user, string password) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = node.Port,
            Database = node.Database,
            Username = user,
            Password = password,
            Timeout = 5,
            CommandTimeout = 30,
        }.ConnectionString;
}
