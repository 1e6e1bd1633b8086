using DataTier.DevCluster.Patroni;
using DataTier.DevCluster.Postgres;
using DataTier.DevCluster.Processes;
using DataTier.DevCluster.Redis;
using DataTier.DevCluster.Server;
using DataTier.DevCluster.State;
using DataTier.Migrations;

namespace DataTier.DevCluster;

/// <summary>
/// A real local DataTier cluster built from the machine's PostgreSQL binaries: a catalog instance, N shard
/// primaries with R streaming replicas each, optionally Redis and the DataTier server, all on 127.0.0.1.
/// Everything it starts is recorded (PIDs, ports, data directories, secrets) in <c>&lt;baseDir&gt;/cluster.json</c>,
/// and only that is ever stopped.
/// </summary>
public static partial class LocalCluster
{
    /// <summary>Owner of the databases; runs migrations and maintenance.</summary>
    public const string AdminRole = "datatier_admin";

    /// <summary>The application's role: DML only, no DDL.</summary>
    public const string AppRole = "datatier_app";

    /// <summary>Database on every shard.</summary>
    public const string ShardDatabase = "datatier";

    /// <summary>Database on the catalog instance.</summary>
    public const string CatalogDatabase = "datatier_catalog";

    /// <summary>Node id of the catalog instance.</summary>
    public const string CatalogNodeId = "catalog";

    private const string PgDirName = "pg";
    private const string RedisDirName = "redis";
    private const string LogsDirName = "logs";
    private const string ServerConfigFileName = "server.json";

    /// <summary>Node id of a shard's primary, e.g. <c>s1-primary</c>.</summary>
    public static string PrimaryNodeId(string shardId) => $"{shardId}-primary";

    /// <summary>Node id of a shard's n-th replica (from 1), e.g. <c>s1-replica1</c>.</summary>
    public static string ReplicaNodeId(string shardId, int n) => $"{shardId}-replica{n}";

    /// <summary>
    /// Gives the app role DML (and no DDL) on a database the admin role owns, as the cluster does for its own shard
    /// databases: for a shard database made after the cluster (a topology change).
    /// </summary>
    public static Task GrantAppRoleAsync(string superuserConnectionString, CancellationToken ct = default) =>
        Postgres.RoleProvisioner.GrantAppRoleAsync(superuserConnectionString, ct);

    /// <summary>
    /// Starts a cluster in <see cref="LocalClusterOptions.BaseDir"/> and returns how to reach it. Idempotent:
    /// a healthy cluster already running there is reused as it is (its shape wins over the options); one left
    /// half-dead is stopped and its files removed first. On failure everything started is stopped again and
    /// the files are kept for their logs.
    /// </summary>
    public static async Task<ClusterManifest> UpAsync(LocalClusterOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var log = new ProgressLog(options.Log);
        string baseDir = Path.GetFullPath(options.BaseDir);
        string? serverDll = options.ServerDllPath is null ? null : Path.GetFullPath(options.ServerDllPath);
        if (serverDll is not null && !File.Exists(serverDll))
        {
            throw new DevClusterException(
                $"The DataTier server was not found at {serverDll}. Build it (dotnet build src/DataTier.Server -c Release) " +
                "or start the cluster without it (--no-server).");
        }

        var existing = ClusterStateStore.Load(baseDir);
        if (existing is not null)
        {
            var down = await DescribeDownProcessesAsync(existing, ct).ConfigureAwait(false);
            if (existing.Status == ClusterStatus.Running && down.Count == 0)
            {
                log.Write($"Reusing the cluster already running in {baseDir} ({ShapeOf(existing)}); 'dev down' first to change it.");
                if (serverDll is not null)
                {
                    await EnsureServerAsync(existing, serverDll, options.ServerReadyTimeout, log, ct).ConfigureAwait(false);
                }

                return existing.ToManifest();
            }

            string why = existing.Status == ClusterStatus.Running ? $"not running: {string.Join(", ", down)}" : $"status {existing.Status}";
            log.Write($"Cleaning up the cluster left in {baseDir} ({why}).");
            await StopAllAsync(existing, log, ct).ConfigureAwait(false);
            DeleteClusterFiles(baseDir);
        }
        else if (Directory.Exists(baseDir) && Directory.EnumerateFileSystemEntries(baseDir).Any())
        {
            throw new DevClusterException(
                $"{baseDir} is not empty and holds no DataTier dev cluster ({ClusterStateStore.FileName} is missing); " +
                "choose a new or empty directory.");
        }

        var state = await PrepareAsync(baseDir, options, serverDll is not null, log, ct).ConfigureAwait(false);
        string step = "starting";
        try
        {
            await BuildAsync(state, options, serverDll, log, s => step = s, ct).ConfigureAwait(false);
            state.Status = ClusterStatus.Running;
            ClusterStateStore.Save(state);
            log.Write($"Cluster up in {log.Elapsed.TotalSeconds:0.0} s ({ShapeOf(state)}).");
            return state.ToManifest();
        }
        catch (Exception e)
        {
            state.Status = ClusterStatus.Failed;
            ClusterStateStore.Save(state);
            string what = e is OperationCanceledException ? "Cancelled" : "Failed";
            log.Write($"{what} while {step}; stopping what was started (files kept in {baseDir} for their logs).");
            try
            {
                await StopAllAsync(state, log, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception stopError) when (stopError is DevClusterException or IOException)
            {
                log.Write($"Could not stop everything: {stopError.Message}");
            }

            if (e is DevClusterException or OperationCanceledException)
            {
                throw;
            }

            throw new DevClusterException($"Starting the dev cluster failed while {step}: {e.Message}", e);
        }
    }

    /// <summary>Stops everything the cluster in <paramref name="baseDir"/> started and removes its files.</summary>
    public static Task DownAsync(string baseDir, CancellationToken ct = default) => DownAsync(baseDir, null, ct);

    /// <summary>Stops everything the cluster in <paramref name="baseDir"/> started and removes its files, with progress.</summary>
    public static async Task DownAsync(string baseDir, TextWriter? log, CancellationToken ct)
    {
        var progress = new ProgressLog(log);
        string dir = Path.GetFullPath(baseDir);
        var state = ClusterStateStore.Load(dir);
        if (state is null)
        {
            progress.Write($"No dev cluster in {dir}.");
            return;
        }

        await StopAllAsync(state, progress, ct).ConfigureAwait(false);
        DeleteClusterFiles(dir);
        progress.Write($"Stopped and removed the cluster in {dir}.");
    }

    /// <summary>The manifest of the cluster in <paramref name="baseDir"/> when it is up and all its processes run; else null.</summary>
    public static ClusterManifest? Status(string baseDir)
    {
        var state = ClusterStateStore.Load(Path.GetFullPath(baseDir));
        if (state is null || state.Status != ClusterStatus.Running)
        {
            return null;
        }

        return ProcessStatuses(state).All(p => p.Running) ? state.ToManifest() : null;
    }

    /// <summary>A handle on the cluster in <paramref name="baseDir"/> to inspect it and stop or start single processes.</summary>
    public static ClusterHandle Attach(string baseDir)
    {
        string dir = Path.GetFullPath(baseDir);
        var state = ClusterStateStore.Load(dir) ?? throw new DevClusterException($"No dev cluster in {dir} (no {ClusterStateStore.FileName}).");
        return new ClusterHandle(state);
    }

    internal static IReadOnlyList<ClusterProcessStatus> ProcessStatuses(ClusterState state)
    {
        if (state.HighAvailability)
        {
            PatroniCluster.RefreshPostmasterPids(state);
        }

        var list = state.Nodes
            .Select(n => new ClusterProcessStatus(n.Id, n.Port, n.Pid, ProcessControl.IsAlive(n.Pid, n.StartTime)))
            .ToList();
        if (state.Redis is { } redis)
        {
            list.Add(new ClusterProcessStatus("redis", redis.Port, redis.Pid, ProcessControl.IsAlive(redis.Pid, redis.StartTime)));
        }

        if (state.Server is { } server)
        {
            list.Add(new ClusterProcessStatus("server", server.Port, server.Pid, ProcessControl.IsAlive(server.Pid, server.StartTime)));
        }

        list.AddRange(PatroniCluster.ProcessStatuses(state));
        return list;
    }

    internal static async Task StopAllAsync(ClusterState state, ProgressLog log, CancellationToken ct)
    {
        if (state.Server is { Pid: > 0 } server)
        {
            log.Write($"Stopping the server (PID {server.Pid}).");
            await ServerProcess.StopAsync(server, ct).ConfigureAwait(false);
        }

        if (state.Redis is { Pid: > 0 } redis)
        {
            log.Write($"Stopping Redis (PID {redis.Pid}).");
            await RedisProcess.StopAsync(redis, ct).ConfigureAwait(false);
        }

        if (state.HighAvailability)
        {
            // The agents own the shard postmasters: stopped first, or they would start them again.
            await PatroniCluster.StopAsync(state, log, ct).ConfigureAwait(false);
        }

        if (state.Nodes.Count > 0)
        {
            // Replicas before their primaries, so they do not spin reconnecting.
            var control = new PostgresNodeControl(new CommandRunner(state.RunAsPostgres), state.PostgresBinDir);
            foreach (var group in new[] { ClusterNodeRole.Replica, ClusterNodeRole.Primary, ClusterNodeRole.Catalog })
            {
                var nodes = state.Nodes.Where(n => n.Role == group && (n.Pid > 0 || File.Exists(Path.Combine(n.DataDir, "postmaster.pid")))).ToList();
                if (nodes.Count > 0)
                {
                    log.Write($"Stopping {string.Join(", ", nodes.Select(n => n.Id))}.");
                    await Task.WhenAll(nodes.Select(n => control.StopAsync(n, immediate: false, ct))).ConfigureAwait(false);
                }
            }
        }

        if (File.Exists(ClusterStateStore.PathFor(state.BaseDir)))
        {
            ClusterStateStore.Save(state);
        }
    }

    private static void Validate(LocalClusterOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BaseDir))
        {
            errors.Add("BaseDir is empty; give a directory for the cluster's data.");
        }

        if (options.Shards is < 1 or > 16)
        {
            errors.Add($"Shards is {options.Shards}; it must be between 1 and 16.");
        }

        if (options.Replicas is < 0 or > 4)
        {
            errors.Add($"Replicas is {options.Replicas}; it must be between 0 and 4.");
        }

        if (options.Rows is < 0 or > 50_000_000)
        {
            errors.Add($"Rows is {options.Rows}; it must be between 0 and 50000000.");
        }

        if (options.HighAvailability && options.Replicas < 1)
        {
            errors.Add($"Replicas is {options.Replicas}; a cluster under Patroni (--ha) needs at least 1 per shard, its synchronous standby.");
        }

        if (errors.Count > 0)
        {
            throw new DevClusterException(string.Join(Environment.NewLine, errors));
        }
    }

    private static string ShapeOf(ClusterState state)
    {
        int shards = state.Nodes.Count(n => n.Role == ClusterNodeRole.Primary);
        int replicas = state.Nodes.Count(n => n.Role == ClusterNodeRole.Replica);
        return $"{shards} shard(s), {replicas} replica(s){(state.HighAvailability ? " under Patroni with etcd" : "")}, redis {(state.Redis is null ? "off" : "on")}, server {(state.Server is null ? "off" : "on")}";
    }

    private static async Task<List<string>> DescribeDownProcessesAsync(ClusterState state, CancellationToken ct)
    {
        var down = new List<string>();
        if (state.HighAvailability)
        {
            PatroniCluster.RefreshPostmasterPids(state);
            down.AddRange(PatroniCluster.ProcessStatuses(state).Where(p => !p.Running).Select(p => p.Name));
        }

        foreach (var node in state.Nodes)
        {
            if (!await PostgresNodeControl.IsHealthyAsync(node, ct).ConfigureAwait(false))
            {
                down.Add(node.Id);
            }
        }

        if (state.Redis is { } redis && !await RedisProcess.IsHealthyAsync(redis, ct).ConfigureAwait(false))
        {
            down.Add("redis");
        }

        return down;
    }

    private static void DeleteClusterFiles(string baseDir)
    {
        FileSystem.DeleteDirectory(Path.Combine(baseDir, PgDirName));
        FileSystem.DeleteDirectory(Path.Combine(baseDir, RedisDirName));
        FileSystem.DeleteDirectory(Path.Combine(baseDir, LogsDirName));
        FileSystem.DeleteDirectory(Path.Combine(baseDir, DevTls.DirName));
        FileSystem.DeleteDirectory(Path.Combine(baseDir, PatroniCluster.PatroniDirName));
        FileSystem.DeleteDirectory(Path.Combine(baseDir, PatroniCluster.EtcdDirName));
        FileSystem.DeleteFile(Path.Combine(baseDir, ServerConfigFileName));
        FileSystem.DeleteFile(ClusterStateStore.PathFor(baseDir) + ".tmp");
        FileSystem.DeleteFile(ClusterStateStore.PathFor(baseDir));
        if (Directory.Exists(baseDir) && !Directory.EnumerateFileSystemEntries(baseDir).Any())
        {
            Directory.Delete(baseDir);
        }
    }
}
