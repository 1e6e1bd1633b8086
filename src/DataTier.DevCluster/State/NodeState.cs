namespace DataTier.DevCluster.State;

/// <summary>One PostgreSQL instance as recorded in <c>cluster.json</c>.</summary>
internal sealed class NodeState
{
    public string Id { get; set; } = "";

    public string? ShardId { get; set; }

    public ClusterNodeRole Role { get; set; }

    public int Port { get; set; }

    /// <summary>Database the application uses: <c>datatier</c> on shards, <c>datatier_catalog</c> on the catalog.</summary>
    public string Database { get; set; } = "";

    public string DataDir { get; set; } = "";

    public string LogFile { get; set; } = "";

    /// <summary>Node id of the primary this replica streams from; null for primaries and the catalog.</summary>
    public string? UpstreamId { get; set; }

    /// <summary>Physical replication slot on the upstream; null for primaries and the catalog.</summary>
    public string? SlotName { get; set; }

    /// <summary>Postmaster PID, 0 when stopped.</summary>
    public int Pid { get; set; }

    /// <summary>Start time of <see cref="Pid"/> in clock ticks since boot: guards against a recycled PID.</summary>
    public long StartTime { get; set; }

    /// <summary>
    /// The Patroni agent that runs this node's postgres (<c>dev up --ha</c>; its <see cref="ProcessState.Port"/> is the
    /// REST API's), or null when the cluster starts and stops the postmaster itself. Patroni restarts postgres at a
    /// failover or switchover, so <see cref="Pid"/> is read again from <c>postmaster.pid</c> before it is used.
    /// </summary>
    public ProcessState? Patroni { get; set; }

    /// <summary>Base URL of the node's Patroni REST API, or null when the node is not Patroni-managed.</summary>
    public string? PatroniRestUrl => Patroni is null ? null : $"http://127.0.0.1:{Patroni.Port}";
}
