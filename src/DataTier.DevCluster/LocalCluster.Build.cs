using System.Globalization;
using DataTier.DevCluster.Patroni;
using DataTier.DevCluster.Postgres;
using DataTier.DevCluster.Processes;
using DataTier.DevCluster.Redis;
using DataTier.DevCluster.Server;
using DataTier.DevCluster.State;
using DataTier.Migrations;

namespace DataTier.DevCluster;

/// <content>Building a new cluster, step by step.</content>
public static partial class LocalCluster
{
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Checks the machine, lays out the directories, picks ports and secrets, and records the plan.</summary>
    private static async Task<ClusterState> PrepareAsync(string baseDir, LocalClusterOptions options, bool withServer, ProgressLog log, CancellationToken ct)
    {
        var binaries = await PostgresBinaries.LocateAsync(ct).ConfigureAwait(false);
        bool asPostgres = CommandRunner.CurrentUserIsRoot;
        if (asPostgres && !OsUserExists(CommandRunner.PostgresOsUser))
        {
            throw new DevClusterException(
                "PostgreSQL refuses to run as root and there is no 'postgres' OS user to run it as. " +
                "Create one (apt-get install postgresql-15 does) or run as an ordinary user.");
        }

        string? redisExecutable = null;
        if (options.StartRedis)
        {
            redisExecutable = RedisProcess.FindExecutable();
            if (redisExecutable is null)
            {
                log.Write("redis-server is not installed; going on without Redis (apt-get install redis-server to have it).");
            }
        }

        FileSystem.CreateTraversableDirectory(baseDir);
        if (asPostgres && FileSystem.FindUntraversableAncestor(baseDir) is { } blocked)
        {
            throw new DevClusterException(
                $"PostgreSQL runs as the 'postgres' user, who cannot enter {blocked} (it lacks o+x). " +
                $"Run 'chmod o+x {blocked}' or choose a directory elsewhere (e.g. under /tmp).");
        }

        string pgDir = Path.Combine(baseDir, PgDirName);
        string socketDir = Path.Combine(pgDir, "run");
        string pgLogs = Path.Combine(pgDir, "logs");
        Directory.CreateDirectory(socketDir);
        Directory.CreateDirectory(pgLogs);
        await new CommandRunner(asPostgres).ChownToPostgresAsync(pgDir, recursive: true, ct).ConfigureAwait(false);
        Directory.CreateDirectory(Path.Combine(baseDir, LogsDirName));

        var state = new ClusterState
        {
            CreatedAt = DateTimeOffset.UtcNow,
            BaseDir = baseDir,
            RunAsPostgres = asPostgres,
            PostgresBinDir = binaries.BinDir,
            SocketDir = socketDir,
            AdminPassword = Secrets.Password(),
            AppPassword = Secrets.Password(),
            Keys = new ApiKeySet(Secrets.ApiKey("dt_admin_"), Secrets.ApiKey("dt_app_"), Secrets.ApiKey("dt_read_")),
            TokenSigningKey = Secrets.SigningKey(),
        };

        int portCount = 1 + (options.Shards * (1 + options.Replicas)) + (redisExecutable is null ? 0 : 1);
        var ports = new Queue<int>(PortAllocator.Allocate(portCount));
        state.Nodes.Add(DescribeNode(baseDir, CatalogNodeId, null, ClusterNodeRole.Catalog, CatalogDatabase, ports.Dequeue()));
        for (int s = 1; s <= options.Shards; s++)
        {
            state.Nodes.AddRange(DescribeShardNodes(baseDir, "s" + s.ToString(CultureInfo.InvariantCulture), options.Replicas, ports));
        }

        if (redisExecutable is not null)
        {
            state.Redis = RedisProcess.Describe(
                redisExecutable, ports.Dequeue(), Path.Combine(baseDir, RedisDirName), Path.Combine(baseDir, LogsDirName, "redis.log"));
        }

        if (options.HighAvailability)
        {
            PatroniCluster.Describe(state, Path.Combine(baseDir, LogsDirName));
        }

        ClusterStateStore.Save(state);
        log.Write($"PostgreSQL {binaries.MajorVersion} from {binaries.BinDir}{(asPostgres ? ", run as the 'postgres' user" : "")}; cluster in {baseDir}.");
        return state;
    }

    private static async Task BuildAsync(
        ClusterState state, LocalClusterOptions options, string? serverDll, ProgressLog log, Action<string> setStep, CancellationToken ct)
    {
        var control = new PostgresNodeControl(new CommandRunner(state.RunAsPostgres), state.PostgresBinDir);
        var catalog = state.Nodes.Single(n => n.Role == ClusterNodeRole.Catalog);
        var primaries = state.Nodes.Where(n => n.Role == ClusterNodeRole.Primary).ToList();
        var replicas = state.Nodes.Where(n => n.Role == ClusterNodeRole.Replica).ToList();
        List<NodeState> writable = [catalog, .. primaries];
        List<NodeState> ReplicasOf(NodeState primary) => replicas.Where(r => r.UpstreamId == primary.Id).ToList();

        // initdb once; copying its output is much cheaper than running it per instance.
        setStep("running initdb");
        string template = Path.Combine(state.BaseDir, PgDirName, "template");
        await control.InitTemplateAsync(template, state.SocketDir, ct).ConfigureAwait(false);

        setStep("starting the catalog and the shard primaries");
        log.Write($"Starting {string.Join(", ", writable.Select(n => $"{n.Id} (:{n.Port})"))}.");
        await Task.WhenAll(writable.Select(n => control.CloneTemplateAsync(template, n, ct))).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(writable.Select(n => control.StartAsync(n, ct))).ConfigureAwait(false);
        }
        finally
        {
            ClusterStateStore.Save(state);
        }

        // Roles first: replicas are cloned from the primaries afterwards and so have them too.
        setStep("creating roles, extensions and databases");
        await Task.WhenAll(writable.Select(n => RoleProvisioner.ProvisionAsync(state, n, ct))).ConfigureAwait(false);

        if (replicas.Count > 0)
        {
            setStep("cloning and starting the replicas");
            log.Write($"Cloning {string.Join(", ", replicas.Select(n => $"{n.Id} (:{n.Port})"))} with pg_basebackup.");
            try
            {
                await Task.WhenAll(primaries.Select(async p =>
                {
                    foreach (var replica in ReplicasOf(p))
                    {
                        await control.BaseBackupAsync(replica, p, state.AdminPassword, ct).ConfigureAwait(false);
                        await control.StartAsync(replica, ct).ConfigureAwait(false);
                    }
                })).ConfigureAwait(false);
            }
            finally
            {
                ClusterStateStore.Save(state);
            }
        }

        // Replicas get the schema (and the data) by streaming.
        setStep("applying migrations");
        log.Write("Applying migrations: catalog set to the catalog, shard set to every primary.");
        var applied = new List<Task<MigrationReport>>
        {
            Task.Run(() => MigrationApplier.Apply(state.AdminConnectionString(catalog), MigrationSet.Catalog, dryRun: false, sqlOut: null), ct),
        };
        applied.AddRange(primaries.Select(p =>
            Task.Run(() => MigrationApplier.Apply(state.AdminConnectionString(p), MigrationSet.Shard, dryRun: false, sqlOut: null), ct)));
        await Task.WhenAll(applied).ConfigureAwait(false);

        if (options.LoadDemoData)
        {
            setStep("loading the demo data");
            int teams = DemoData.TeamCount(options.Rows);
            log.Write($"Loading demo data: {teams} teams, {options.Rows / teams * teams} activity_logs and {options.Rows / 2 / teams * teams} tasks rows.");
            var placed = await DemoData.LoadAsync(state, options.Rows, ct).ConfigureAwait(false);
            log.Write("Teams per shard (placed by the hash ring): " + string.Join(", ", placed.Select(kv => $"{kv.Key} {kv.Value}")) + ".");
        }

        if (replicas.Count > 0)
        {
            setStep("waiting for the replicas to catch up");
            await Task.WhenAll(primaries.Select(p => ReplicationMonitor.WaitForCatchUpAsync(state, p, ReplicasOf(p), CatchUpTimeout, ct)))
                .ConfigureAwait(false);
            log.Write("Replicas have caught up.");
        }

        FileSystem.DeleteDirectory(template);

        if (state.HighAvailability)
        {
            setStep("handing the shards over to Patroni");
            await PatroniCluster.HandOverAsync(state, log, ct).ConfigureAwait(false);
        }

        if (state.Redis is { } redis)
        {
            setStep("starting Redis");
            try
            {
                await RedisProcess.StartAsync(redis, ct).ConfigureAwait(false);
            }
            finally
            {
                ClusterStateStore.Save(state);
            }

            log.Write($"Redis on 127.0.0.1:{redis.Port}.");
        }

        if (serverDll is not null)
        {
            setStep("starting the DataTier server");
            await StartServerAsync(state, serverDll, options.ServerReadyTimeout, log, ct).ConfigureAwait(false);
        }
    }

    /// <summary>For a reused cluster: starts the server when it is not running.</summary>
    private static async Task EnsureServerAsync(ClusterState state, string serverDll, TimeSpan readyTimeout, ProgressLog log, CancellationToken ct)
    {
        if (state.Server is { } server && ProcessControl.IsAlive(server.Pid, server.StartTime))
        {
            return;
        }

        try
        {
            await StartServerAsync(state, serverDll, readyTimeout, log, ct).ConfigureAwait(false);
        }
        catch (DevClusterException)
        {
            // Leave the databases running; only the server that failed is stopped.
            if (state.Server is { } failed)
            {
                await ServerProcess.StopAsync(failed, CancellationToken.None).ConfigureAwait(false);
                state.Server = null;
                ClusterStateStore.Save(state);
            }

            throw;
        }
    }

    private static async Task StartServerAsync(ClusterState state, string serverDll, TimeSpan readyTimeout, ProgressLog log, CancellationToken ct)
    {
        bool reuse = state.Server is { Port: > 0, WirePort: > 0 } previous
            && !await PortProbe.IsAnsweringAsync(previous.Port, ct).ConfigureAwait(false)
            && !await PortProbe.IsAnsweringAsync(previous.WirePort, ct).ConfigureAwait(false);
        IReadOnlyList<int> ports = reuse ? [state.Server!.Port, state.Server.WirePort] : PortAllocator.Allocate(2);
        string configPath = Path.Combine(state.BaseDir, ServerConfigFileName);
        state.ServerConfigPath = configPath;
        state.Server = ServerProcess.Describe(serverDll, configPath, ports[0], Path.Combine(state.BaseDir, LogsDirName, "server.log"));
        state.Server.WirePort = ports[1];
        WriteServerConfig(state.ToManifest(), configPath);
        log.Write($"Starting the DataTier server on http://127.0.0.1:{ports[0]}, PostgreSQL protocol on 127.0.0.1:{ports[1]} with TLS (self-signed, {DevTls.CertificatePath(state.BaseDir)}) (log: {state.Server.LogFile}).");
        try
        {
            await ServerProcess.StartAsync(state.Server, readyTimeout, ct).ConfigureAwait(false);
        }
        finally
        {
            ClusterStateStore.Save(state);
        }

        log.Write("The server is ready.");
    }

    private static bool OsUserExists(string name) =>
        File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(l => l.StartsWith(name + ":", StringComparison.Ordinal));
}
