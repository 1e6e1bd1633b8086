using DataTier.DevCluster.Postgres;
using DataTier.DevCluster.Processes;
using DataTier.DevCluster.State;

namespace DataTier.DevCluster.Patroni;

/// <summary>
/// <c>dev up --ha</c>: the shards of a cluster built the plain way (same initdb, roles, migrations and demo data)
/// handed over to Patroni. Each node's agent adopts its running postgres: Patroni joins an instance it finds running,
/// so no node is restarted or re-cloned, and the primary takes the leader key because it is the only primary. The
/// catalog stays outside Patroni: it is not a shard.
/// </summary>
internal static class PatroniCluster
{
    /// <summary>Directory of the agents' configuration files, under the cluster's.</summary>
    public const string PatroniDirName = "patroni";

    /// <summary>Directory of etcd's data, under the cluster's.</summary>
    public const string EtcdDirName = "etcd";
    private static readonly TimeSpan HandOverTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Checks that Patroni and etcd are installed and records the agents and etcd in the plan, with their ports.</summary>
    public static void Describe(ClusterState state, string logsDir)
    {
        string? patroni = PatroniAgent.FindExecutable();
        string? etcd = EtcdProcess.FindExecutable();
        if (patroni is null || etcd is null)
        {
            string missing = string.Join(" and ", new[] { patroni is null ? "patroni" : null, etcd is null ? "etcd-server" : null }.OfType<string>());
            throw new DevClusterException($"'dev up --ha' runs the shards under Patroni with etcd; install {missing}: sudo apt-get install -y patroni etcd-server");
        }

        var shardNodes = state.Nodes.Where(n => n.ShardId is not null).ToList();
        var ports = new Queue<int>(PortAllocator.Allocate(2 + shardNodes.Count));
        state.HighAvailability = true;
        state.Etcd = EtcdProcess.Describe(etcd, ports.Dequeue(), ports.Dequeue(), Path.Combine(state.BaseDir, EtcdDirName), Path.Combine(logsDir, "etcd.log"));
        string dir = Path.Combine(state.BaseDir, PatroniDirName);
        foreach (var node in shardNodes)
        {
            node.Patroni = PatroniAgent.Describe(patroni, node.Id, ports.Dequeue(), dir, Path.Combine(logsDir, $"patroni-{node.Id}.log"));
        }
    }

    /// <summary>
    /// Starts etcd, then per shard the primary's agent (and waits until it holds the leader key), then the replicas'
    /// agents, and waits until each shard has a leader and a synchronous standby.
    /// </summary>
    public static async Task HandOverAsync(ClusterState state, ProgressLog log, CancellationToken ct)
    {
        var etcd = state.Etcd!;
        try
        {
            await EtcdProcess.StartAsync(etcd, ct).ConfigureAwait(false);
        }
        finally
        {
            ClusterStateStore.Save(state);
        }

        log.Write($"etcd on 127.0.0.1:{etcd.Port}; handing the shards over to Patroni (ttl {PatroniTimings.Ttl} s, loop_wait {PatroniTimings.LoopWait} s, synchronous_mode).");
        using var rest = new PatroniRestClient();
        var primaries = state.Nodes.Where(n => n.Role == ClusterNodeRole.Primary && n.Patroni is not null).ToList();
        try
        {
            await Task.WhenAll(primaries.Select(p => HandOverShardAsync(state, p, rest, ct))).ConfigureAwait(false);
        }
        finally
        {
            RefreshPostmasterPids(state);
            ClusterStateStore.Save(state);
        }

        log.Write("Patroni manages " + string.Join(", ", primaries.Select(p =>
            $"{p.ShardId} (leader {p.Id}, REST {string.Join(" ", state.Nodes.Where(n => n.ShardId == p.ShardId).Select(n => n.PatroniRestUrl))})")) + ".");
    }

    /// <summary>
    /// Stops the agents (replicas' first: a leader's agent that stops first hands its key to a replica, which would
    /// promote), each stopping its postgres, then etcd. Postmasters the agents leave are stopped by the caller.
    /// </summary>
    public static async Task StopAsync(ClusterState state, ProgressLog log, CancellationToken ct)
    {
        foreach (var role in new[] { ClusterNodeRole.Replica, ClusterNodeRole.Primary })
        {
            var agents = state.Nodes.Where(n => n.Role == role && n.Patroni is { Pid: > 0 }).ToList();
            if (agents.Count > 0)
            {
                log.Write($"Stopping the Patroni agents of {string.Join(", ", agents.Select(n => $"{n.Id} (PID {n.Patroni!.Pid})"))}.");
                await Task.WhenAll(agents.Select(n => PatroniAgent.StopAsync(n.Patroni!, TimeSpan.FromSeconds(30), ct))).ConfigureAwait(false);
            }
        }

        if (state.Etcd is { Pid: > 0 } etcd)
        {
            log.Write($"Stopping etcd (PID {etcd.Pid}).");
            await EtcdProcess.StopAsync(etcd, ct).ConfigureAwait(false);
        }

        RefreshPostmasterPids(state);
    }

    /// <summary>
    /// Reads each Patroni-managed node's postmaster PID from its data directory: Patroni restarts postgres at a
    /// failover or switchover, so the PID recorded at start-up goes stale.
    /// </summary>
    public static void RefreshPostmasterPids(ClusterState state)
    {
        foreach (var node in state.Nodes.Where(n => n.Patroni is not null))
        {
            if (ProcessControl.IsAlive(node.Pid, node.StartTime) && PostgresNodeControl.ReadPostmasterPid(node.DataDir) == node.Pid)
            {
                continue;
            }

            int? pid = PostgresNodeControl.ReadPostmasterPid(node.DataDir);
            long? start = pid is null ? null : ProcessControl.GetStartTime(pid.Value);
            (node.Pid, node.StartTime) = start is null ? (0, 0L) : (pid!.Value, start.Value);
        }
    }

    /// <summary>Every etcd and Patroni process with whether it runs (for status).</summary>
    public static IEnumerable<ClusterProcessStatus> ProcessStatuses(ClusterState state)
    {
        if (state.Etcd is { } etcd)
        {
            yield return new ClusterProcessStatus("etcd", etcd.Port, etcd.Pid, ProcessControl.IsAlive(etcd.Pid, etcd.StartTime));
        }

        foreach (var node in state.Nodes.Where(n => n.Patroni is not null))
        {
            yield return new ClusterProcessStatus("patroni-" + node.Id, node.Patroni!.Port, node.Patroni.Pid, PatroniAgent.IsAlive(node.Patroni));
        }
    }

    private static async Task HandOverShardAsync(ClusterState state, NodeState primary, PatroniRestClient rest, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + HandOverTimeout;
        await PatroniAgent.StartAsync(state, primary, ct).ConfigureAwait(false);
        ClusterStateStore.Save(state);
        await WaitForAsync(primary, rest, m => m.Any(x => x.Name == primary.Id && x.IsLeader && x.State == "running"), "to hold the leader key", deadline, ct).ConfigureAwait(false);

        // Only once the leader has initialized the cluster in etcd: an agent that finds a running standby and no
        // initialized cluster exits, rather than guess which node is the primary.
        var replicas = state.Nodes.Where(n => n.ShardId == primary.ShardId && n.Role == ClusterNodeRole.Replica).ToList();
        foreach (var replica in replicas)
        {
            await PatroniAgent.StartAsync(state, replica, ct).ConfigureAwait(false);
        }

        ClusterStateStore.Save(state);
        if (replicas.Count > 0)
        {
            await WaitForAsync(primary, rest, m =>
                    replicas.All(r => m.Any(x => x.Name == r.Id && x.State is "running" or "streaming")) && m.Any(x => x.IsSyncStandby),
                "to list every replica as running and one as the synchronous standby", deadline, ct).ConfigureAwait(false);
        }
    }

    private static async Task WaitForAsync(NodeState node, PatroniRestClient rest, Func<IReadOnlyList<PatroniMember>, bool> done, string what, DateTime deadline, CancellationToken ct)
    {
        IReadOnlyList<PatroniMember>? members = null;
        while (true)
        {
            members = await rest.TryGetMembersAsync(node.PatroniRestUrl!, ct).ConfigureAwait(false) ?? members;
            if (members is not null && done(members))
            {
                return;
            }

            if (!PatroniAgent.IsAlive(node.Patroni!) || DateTime.UtcNow >= deadline)
            {
                string seen = members is null ? "no answer" : string.Join(", ", members.Select(m => $"{m.Name} {m.Role} {m.State}"));
                throw new DevClusterException(
                    $"Patroni of {node.ShardId} did not come {what} within {HandOverTimeout.TotalSeconds:0} s (last seen: {seen}); see {node.Patroni!.LogFile}:\n{OutputTail.OfFile(node.Patroni.LogFile, 15)}");
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }
}
