namespace DataTier.DevCluster;

/// <summary>What <see cref="LocalCluster.UpAsync"/> starts.</summary>
public sealed class LocalClusterOptions
{
    /// <summary>The demo data set's size unless told otherwise: <c>dev up</c>, <c>demo load</c> and docker-compose's migrate service agree on it.</summary>
    public const int DefaultRows = 200_000;

    /// <summary>Directory for data, logs and the state file <c>cluster.json</c>. Created if missing.</summary>
    public required string BaseDir { get; set; }

    /// <summary>Number of shards (<c>s1</c>..<c>sN</c>), each a primary.</summary>
    public int Shards { get; set; } = 2;

    /// <summary>Streaming replicas per shard.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>
    /// Demo <c>activity_logs</c> rows in total; <c>tasks</c> get half as many. Teams:
    /// <c>min(1000, max(10, Rows / 200))</c>.
    /// </summary>
    public int Rows { get; set; } = DefaultRows;

    /// <summary>Start a Redis server when <c>redis-server</c> is installed.</summary>
    public bool StartRedis { get; set; } = true;

    /// <summary>Load the demo data set.</summary>
    public bool LoadDemoData { get; set; } = true;

    /// <summary>
    /// Path of <c>DataTier.Server.dll</c> to start against the cluster, or null for no server process.
    /// </summary>
    public string? ServerDllPath { get; set; }

    /// <summary>How long to wait for the server's <c>/health/ready</c> to answer 200.</summary>
    public TimeSpan ServerReadyTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Run the shards under Patroni with one etcd member on 127.0.0.1 (<c>dev up --ha</c>): built exactly as a plain
    /// cluster is, then handed over to a Patroni agent per node, with a synchronous standby per shard. Needs the
    /// <c>patroni</c> and <c>etcd-server</c> packages and at least one replica.
    /// </summary>
    public bool HighAvailability { get; set; }

    /// <summary>Receives progress lines; null for silence.</summary>
    public TextWriter? Log { get; set; }
}
