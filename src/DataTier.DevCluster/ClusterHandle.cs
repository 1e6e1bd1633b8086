using DataTier.DevCluster.Patroni;
using DataTier.DevCluster.Postgres;
using DataTier.DevCluster.Processes;
using DataTier.DevCluster.Redis;
using DataTier.DevCluster.State;

namespace DataTier.DevCluster;

/// <summary>
/// Inspects a running local cluster and stops or starts single processes of it (failover and fail-open tests).
/// Changes are written back to the cluster's state file, so <see cref="LocalCluster.DownAsync(string, CancellationToken)"/>
/// still finds everything. Get one with <see cref="LocalCluster.Attach"/>.
/// </summary>
public sealed class ClusterHandle
{
    private readonly ClusterState _state;
    private readonly PostgresNodeControl _control;
    private readonly SemaphoreSlim _gate = new(1, 1);

    internal ClusterHandle(ClusterState state)
    {
        _state = state;
        _control = new PostgresNodeControl(new CommandRunner(state.RunAsPostgres), state.PostgresBinDir);
    }

    /// <summary>Directory of the cluster.</summary>
    public string BaseDir => _state.BaseDir;

    /// <summary>The manifest as of now (node PIDs change when nodes are restarted).</summary>
    public ClusterManifest Manifest => Refreshed().ToManifest();

    /// <summary>Every PostgreSQL node as of now: catalog, then each shard's primary and replicas.</summary>
    public IReadOnlyList<ClusterNode> Nodes => Refreshed().Nodes.Select(_state.ToNode).ToList();

    /// <summary>Whether the shards run under Patroni (<c>dev up --ha</c>).</summary>
    public bool HighAvailability => _state.HighAvailability;

    /// <summary>Whether the cluster has a Redis server (running or not).</summary>
    public bool HasRedis => _state.Redis is not null;

    /// <summary>Whether Redis runs.</summary>
    public bool IsRedisRunning => _state.Redis is { } redis && ProcessControl.IsAlive(redis.Pid, redis.StartTime);

    /// <summary>A node by id (<c>catalog</c>, <c>s1-primary</c>, <c>s1-replica1</c>, ...).</summary>
    public ClusterNode GetNode(string nodeId) => _state.ToNode(Refreshed().GetNode(nodeId));

    /// <summary>Whether a node's postmaster runs.</summary>
    public bool IsNodeRunning(string nodeId)
    {
        var node = Refreshed().GetNode(nodeId);
        return ProcessControl.IsAlive(node.Pid, node.StartTime);
    }

    /// <summary>Every process of the cluster and whether it runs.</summary>
    public IReadOnlyList<ClusterProcessStatus> GetProcessStatuses() => LocalCluster.ProcessStatuses(_state);

    /// <summary>
    /// Stops a node: <c>pg_ctl stop -m fast</c>, or <c>-m immediate</c> (a crash: no shutdown checkpoint) when
    /// <paramref name="immediate"/>. Returns once the postmaster is gone. A stopped node is left alone.
    /// </summary>
    public async Task StopNodeAsync(string nodeId, bool immediate, CancellationToken ct = default)
    {
        var node = _state.GetNode(nodeId);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _control.StopAsync(node, immediate, ct).ConfigureAwait(false);
            ClusterStateStore.Save(_state);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts a stopped node on its old port and waits until it accepts connections. A running node is left alone.</summary>
    public async Task StartNodeAsync(string nodeId, CancellationToken ct = default)
    {
        var node = Refreshed().GetNode(nodeId);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (ProcessControl.IsAlive(node.Pid, node.StartTime))
            {
                return;
            }

            try
            {
                await _control.StartAsync(node, ct).ConfigureAwait(false);
            }
            finally
            {
                ClusterStateStore.Save(_state);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Kills a node's postmaster with SIGKILL, by the PID recorded when the cluster started it, and returns that PID
    /// once the process is gone (failover tests). <see cref="StartNodeAsync"/> starts it again.
    /// </summary>
    public async Task<int> KillNodeAsync(string nodeId, CancellationToken ct = default)
    {
        var node = Refreshed().GetNode(nodeId);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            int pid = node.Pid;
            await PostgresNodeControl.KillAsync(node, ct).ConfigureAwait(false);
            ClusterStateStore.Save(_state);
            return pid;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Promotes a replica with <c>pg_ctl promote</c> as the postgres user, the way an operator would by hand, and
    /// returns once it has left recovery (on a new timeline). The cluster's records keep calling it a replica.
    /// </summary>
    public async Task PromoteNodeAsync(string nodeId, CancellationToken ct = default)
    {
        var node = _state.GetNode(nodeId);
        if (node.Role != ClusterNodeRole.Replica)
        {
            throw new InvalidOperationException($"{nodeId} is not a replica; only a standby can be promoted.");
        }

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _control.PromoteAsync(node, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops Redis (SIGTERM) and waits until it is gone.</summary>
    public async Task StopRedisAsync(CancellationToken ct = default)
    {
        var redis = RequireRedis();
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await RedisProcess.StopAsync(redis, ct).ConfigureAwait(false);
            ClusterStateStore.Save(_state);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts Redis again on its old port (empty: it keeps nothing) and waits until it accepts connections.</summary>
    public async Task StartRedisAsync(CancellationToken ct = default)
    {
        var redis = RequireRedis();
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (ProcessControl.IsAlive(redis.Pid, redis.StartTime))
            {
                return;
            }

            try
            {
                await RedisProcess.StartAsync(redis, ct).ConfigureAwait(false);
            }
            finally
            {
                ClusterStateStore.Save(_state);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The members of a shard's Patroni cluster as its agents report them (the first agent of the shard that answers),
    /// or null when none does. Throws for a cluster without Patroni.
    /// </summary>
    public async Task<IReadOnlyList<PatroniMember>?> GetPatroniMembersAsync(string shardId, CancellationToken ct = default)
    {
        var agents = RequirePatroni().Nodes.Where(n => n.ShardId == shardId && n.Patroni is not null && PatroniAgent.IsAlive(n.Patroni)).ToList();
        using var rest = new PatroniRestClient();
        foreach (var node in agents)
        {
            if (await rest.TryGetMembersAsync(node.PatroniRestUrl!, ct).ConfigureAwait(false) is { } members)
            {
                return members;
            }
        }

        return null;
    }

    /// <summary>Whether the Patroni agent of a node runs.</summary>
    public bool IsPatroniAgentRunning(string nodeId) => RequirePatroni().GetNode(nodeId).Patroni is { } agent && PatroniAgent.IsAlive(agent);

    /// <summary>
    /// Stops the Patroni agent of a node (SIGTERM by its recorded PID, SIGKILL after 30 s) and returns once it is gone.
    /// Patroni stops the postgres it runs on the way out; from then on the node is outside Patroni: its postgres can
    /// be started by hand (<see cref="StartNodeAsync"/>) as an operator or a boot script would, and nothing rejoins it.
    /// <c>dev down</c> stops such a postmaster by its PID file.
    /// </summary>
    public async Task StopPatroniAgentAsync(string nodeId, CancellationToken ct = default)
    {
        var node = RequirePatroni().GetNode(nodeId);
        var agent = node.Patroni ?? throw new InvalidOperationException($"{nodeId} is not Patroni-managed.");
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await PatroniAgent.StopAsync(agent, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            PatroniCluster.RefreshPostmasterPids(_state);
            ClusterStateStore.Save(_state);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Under Patroni the agents restart postgres (a failover, a switchover), so its PIDs are read again each time.
    private ClusterState Refreshed()
    {
        if (_state.HighAvailability)
        {
            PatroniCluster.RefreshPostmasterPids(_state);
        }

        return _state;
    }

    private ClusterState RequirePatroni() =>
        _state.HighAvailability ? Refreshed() : throw new InvalidOperationException("This cluster does not run its shards under Patroni (start it with HighAvailability / dev up --ha).");

    private ProcessState RequireRedis() =>
        _state.Redis ?? throw new InvalidOperationException("This cluster has no Redis (redis-server was not installed or StartRedis was false).");
}
