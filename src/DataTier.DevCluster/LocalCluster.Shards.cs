using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DataTier.Core.Topology;
using DataTier.DevCluster.Postgres;
using DataTier.DevCluster.Processes;
using DataTier.DevCluster.State;
using DataTier.Migrations;

namespace DataTier.DevCluster;

/// <content>Shards added to and taken from a running cluster, to try topology changes and moves locally.</content>
public static partial class LocalCluster
{
    /// <summary>
    /// Starts one more shard for the running cluster in <paramref name="baseDir"/>, built as <see cref="UpAsync"/> builds
    /// its shards (initdb, roles, the shard migrations, <paramref name="replicas"/> streaming replicas; no demo data),
    /// and records it so that status shows it and down stops it. No server routes to it yet: add it to the desired
    /// topology (<c>POST /admin/shards</c>) and run a move. When it fails, what it started is stopped, its data
    /// directories removed and the cluster's record put back as it was; the logs are kept.
    /// </summary>
    /// <param name="baseDir">Directory of the running cluster.</param>
    /// <param name="shardId">Id of the new shard, or null for the first free <c>sN</c>.</param>
    /// <param name="replicas">Streaming replicas of the new shard (0 to 4).</param>
    /// <param name="log">Receives progress lines; null for silence.</param>
    /// <param name="ct">Cancels the build (what was started is stopped again).</param>
    public static async Task<ShardManifest> AddShardAsync(string baseDir, string? shardId, int replicas, TextWriter? log, CancellationToken ct = default)
    {
        var progress = new ProgressLog(log);
        string dir = Path.GetFullPath(baseDir);
        var state = ClusterStateStore.Load(dir);
        if (state is null || state.Status != ClusterStatus.Running || !ProcessStatuses(state).All(p => p.Running))
        {
            throw new DevClusterException($"No running dev cluster in {dir} to add a shard to; start it first: ./datatier dev up");
        }

        if (replicas is < 0 or > 4)
        {
            throw new DevClusterException($"Replicas is {replicas}; it must be between 0 and 4.");
        }

        if (state.HighAvailability)
        {
            throw new DevClusterException($"The dev cluster in {dir} runs its shards under Patroni (--ha); adding a shard to it is not supported. Start a plain cluster (./datatier dev up) to try topology changes.");
        }

        string id = shardId ?? NextShardId(state);
        CheckNewShardId(state, id);
        var nodes = DescribeShardNodes(dir, id, replicas, new Queue<int>(PortAllocator.Allocate(1 + replicas)));
        if (nodes.FirstOrDefault(n => Directory.Exists(n.DataDir)) is { } taken)
        {
            // Left by an earlier 'dev shard remove', which keeps the data; never build over it.
            throw new DevClusterException($"{taken.DataDir} exists (a shard '{id}' removed earlier?); delete it or choose another id.");
        }

        state.Nodes.AddRange(nodes);
        ClusterStateStore.Save(state);
        try
        {
            await BuildShardAsync(state, nodes, progress, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            string what = e is OperationCanceledException ? "Cancelled" : "Failed";
            progress.Write($"{what} adding {id}; stopping its nodes and removing their data (logs kept in {Path.GetDirectoryName(nodes[0].LogFile)}).");
            try
            {
                await ForgetShardNodesAsync(state, nodes, deleteData: true, progress, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception stopError) when (stopError is DevClusterException or IOException)
            {
                progress.Write($"Could not stop everything: {stopError.Message}");
            }

            if (e is DevClusterException or OperationCanceledException)
            {
                throw;
            }

            throw new DevClusterException($"Adding shard '{id}' failed: {e.Message}", e);
        }

        progress.Write($"Shard {id} is up ({string.Join(", ", nodes.Select(n => $"{n.Id} :{n.Port}"))}).");
        return state.ToManifest().Shards.Single(s => s.Id == id);
    }

    /// <summary>
    /// Stops a shard's nodes (replicas first) and drops them from the cluster's record. Whether any server still routes
    /// to the shard is not checked here: drain it, move its rows and remove it from the topology first.
    /// </summary>
    /// <param name="baseDir">Directory of the cluster.</param>
    /// <param name="shardId">The shard.</param>
    /// <param name="deleteData">
    /// Delete the nodes' data directories too (a shard that never held rows); else they stay until down removes them.
    /// </param>
    /// <param name="log">Receives progress lines; null for silence.</param>
    /// <param name="ct">Cancels the stop.</param>
    public static async Task RemoveShardAsync(string baseDir, string shardId, bool deleteData, TextWriter? log, CancellationToken ct = default)
    {
        var progress = new ProgressLog(log);
        string dir = Path.GetFullPath(baseDir);
        var state = ClusterStateStore.Load(dir) ?? throw new DevClusterException($"No dev cluster in {dir}.");
        var nodes = state.Nodes.Where(n => string.Equals(n.ShardId, shardId, StringComparison.Ordinal)).ToList();
        if (nodes.Count == 0)
        {
            string shards = string.Join(", ", state.Nodes.Where(n => n.Role == ClusterNodeRole.Primary).Select(n => n.ShardId));
            throw new DevClusterException($"The dev cluster in {dir} has no shard '{shardId}'; its shards are: {shards}.");
        }

        await ForgetShardNodesAsync(state, nodes, deleteData, progress, ct).ConfigureAwait(false);
        progress.Write(deleteData
            ? $"Stopped {shardId}, deleted its data and dropped it from {ClusterStateStore.PathFor(dir)}."
            : $"Stopped {shardId} and dropped it from {ClusterStateStore.PathFor(dir)}; its data stays in " +
              $"{string.Join(", ", nodes.Select(n => n.DataDir))} until 'dev down'.");
    }

    /// <summary>
    /// Whether the server of the cluster in <paramref name="baseDir"/> keeps its topology in the catalog (and so can
    /// change shards online), as its configuration file says. False when there is no server or no such file.
    /// </summary>
    public static bool ServerTopologyIsInCatalog(string baseDir)
    {
        var state = ClusterStateStore.Load(Path.GetFullPath(baseDir));
        if (state?.ServerConfigPath is not { } path || !File.Exists(path))
        {
            return false;
        }

        try
        {
            string? store = JsonNode.Parse(File.ReadAllText(path))?["DataTier"]?["Topology"]?["Store"]?.GetValue<string>();
            return string.Equals(store, nameof(TopologyStore.Catalog), StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>One PostgreSQL instance as the cluster lays them out: <c>pg/&lt;id&gt;</c>, logging to <c>pg/logs/&lt;id&gt;.log</c>.</summary>
    private static NodeState DescribeNode(string baseDir, string id, string? shardId, ClusterNodeRole role, string database, int port) => new()
    {
        Id = id,
        ShardId = shardId,
        Role = role,
        Database = database,
        Port = port,
        DataDir = Path.Combine(baseDir, PgDirName, id),
        LogFile = Path.Combine(baseDir, PgDirName, "logs", id + ".log"),
    };

    /// <summary>A shard's primary, then its replicas, each streaming through a slot of its own on the primary.</summary>
    private static List<NodeState> DescribeShardNodes(string baseDir, string shardId, int replicas, Queue<int> ports)
    {
        var primary = DescribeNode(baseDir, PrimaryNodeId(shardId), shardId, ClusterNodeRole.Primary, ShardDatabase, ports.Dequeue());
        List<NodeState> nodes = [primary];
        for (int r = 1; r <= replicas; r++)
        {
            var replica = DescribeNode(baseDir, ReplicaNodeId(shardId, r), shardId, ClusterNodeRole.Replica, ShardDatabase, ports.Dequeue());
            replica.UpstreamId = primary.Id;

            // Slot names allow only a-z, 0-9 and '_'; shard ids may also have '-'.
            replica.SlotName = $"{shardId.Replace('-', '_')}_replica{r.ToString(CultureInfo.InvariantCulture)}";
            nodes.Add(replica);
        }

        return nodes;
    }

    /// <summary>The first <c>sN</c> that is neither a shard of the cluster nor the data directory of one removed earlier.</summary>
    private static string NextShardId(ClusterState state)
    {
        for (int n = 1; ; n++)
        {
            string id = "s" + n.ToString(CultureInfo.InvariantCulture);
            if (!state.Nodes.Any(node => node.ShardId == id) && !Directory.Exists(Path.Combine(state.BaseDir, PgDirName, PrimaryNodeId(id))))
            {
                return id;
            }
        }
    }

    private static void CheckNewShardId(ClusterState state, string id)
    {
        // The server's rule for shard ids (TopologyChanges.AddShard), checked here before anything is started.
        if (!ShardIdPattern().IsMatch(id))
        {
            throw new DevClusterException($"Shard id '{id}' must be 1 to 32 characters of a-z, 0-9, '_' or '-', starting with a letter or digit.");
        }

        if (state.Nodes.Any(n => n.ShardId == id))
        {
            throw new DevClusterException($"The dev cluster already has a '{id}'; choose another id (or leave it out for the next free sN).");
        }
    }

    private static async Task BuildShardAsync(ClusterState state, List<NodeState> nodes, ProgressLog log, CancellationToken ct)
    {
        var control = new PostgresNodeControl(new CommandRunner(state.RunAsPostgres), state.PostgresBinDir);
        var primary = nodes[0];
        var replicas = nodes.Skip(1).ToList();
        string template = Path.Combine(state.BaseDir, PgDirName, "template-" + primary.ShardId);
        FileSystem.DeleteDirectory(template);
        try
        {
            log.Write($"Running initdb for {primary.ShardId}.");
            await control.InitTemplateAsync(template, state.SocketDir, ct).ConfigureAwait(false);
            await control.CloneTemplateAsync(template, primary, ct).ConfigureAwait(false);
        }
        finally
        {
            FileSystem.DeleteDirectory(template);
        }

        log.Write($"Starting {primary.Id} (:{primary.Port}).");
        try
        {
            await control.StartAsync(primary, ct).ConfigureAwait(false);
        }
        finally
        {
            ClusterStateStore.Save(state);
        }

        // Roles before the replicas are cloned, so that they have them too (as in UpAsync).
        await RoleProvisioner.ProvisionAsync(state, primary, ct).ConfigureAwait(false);
        foreach (var replica in replicas)
        {
            log.Write($"Cloning {replica.Id} (:{replica.Port}) with pg_basebackup.");
            try
            {
                await control.BaseBackupAsync(replica, primary, state.AdminPassword, ct).ConfigureAwait(false);
                await control.StartAsync(replica, ct).ConfigureAwait(false);
            }
            finally
            {
                ClusterStateStore.Save(state);
            }
        }

        log.Write($"Applying the shard migrations to {primary.Id}.");
        await Task.Run(() => MigrationApplier.Apply(state.AdminConnectionString(primary), MigrationSet.Shard, dryRun: false, sqlOut: null), ct)
            .ConfigureAwait(false);
        await ReplicationMonitor.WaitForCatchUpAsync(state, primary, replicas, CatchUpTimeout, ct).ConfigureAwait(false);
    }

    // Replicas before their primary, so they do not spin reconnecting; the record is saved without the nodes only once
    // they are stopped, so that a failure here leaves them for 'dev down' to find.
    private static async Task ForgetShardNodesAsync(ClusterState state, List<NodeState> nodes, bool deleteData, ProgressLog log, CancellationToken ct)
    {
        var control = new PostgresNodeControl(new CommandRunner(state.RunAsPostgres), state.PostgresBinDir);
        foreach (var role in new[] { ClusterNodeRole.Replica, ClusterNodeRole.Primary })
        {
            var group = nodes.Where(n => n.Role == role && (n.Pid > 0 || File.Exists(Path.Combine(n.DataDir, "postmaster.pid")))).ToList();
            if (group.Count > 0)
            {
                log.Write($"Stopping {string.Join(", ", group.Select(n => n.Id))}.");
                await Task.WhenAll(group.Select(n => control.StopAsync(n, immediate: false, ct))).ConfigureAwait(false);
            }
        }

        state.Nodes.RemoveAll(nodes.Contains);
        ClusterStateStore.Save(state);
        if (deleteData)
        {
            foreach (var node in nodes)
            {
                FileSystem.DeleteDirectory(node.DataDir);
            }
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,31}$")]
    private static partial Regex ShardIdPattern();
}
