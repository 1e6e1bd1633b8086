using System.Globalization;
using DataTier.DevCluster.Processes;
using DataTier.DevCluster.State;

namespace DataTier.DevCluster.Postgres;

/// <summary>Creates, starts and stops PostgreSQL instances with the machine's binaries.</summary>
internal sealed class PostgresNodeControl(CommandRunner runner, string binDir)
{
    private string Tool(string name) => Path.Combine(binDir, name);

    /// <summary>Runs <c>initdb</c> once into a template directory that every non-replica instance copies.</summary>
    public async Task InitTemplateAsync(string templateDir, string socketDir, CancellationToken ct)
    {
        await runner.RunPostgresToolAsync(
            "initdb",
            Tool("initdb"),
            ["-D", templateDir, "-U", PostgresSetup.SuperuserName, "--auth-local=trust", "--auth-host=scram-sha-256",
             "-E", "UTF8", "--locale=C", "--no-sync"],
            ct,
            workingDirectory: Path.GetDirectoryName(templateDir)).ConfigureAwait(false);

        await File.AppendAllTextAsync(Path.Combine(templateDir, "postgresql.conf"), PostgresSetup.CommonConfig(socketDir), ct).ConfigureAwait(false);
        string hba = Path.Combine(templateDir, "pg_hba.conf");
        await File.WriteAllTextAsync(hba, PostgresSetup.HbaConfig, ct).ConfigureAwait(false);
        await runner.ChownToPostgresAsync(templateDir, recursive: true, ct).ConfigureAwait(false);
    }

    /// <summary>Copies the template into the node's data directory.</summary>
    public async Task CloneTemplateAsync(string templateDir, NodeState node, CancellationToken ct)
    {
        await runner.RunPostgresToolAsync($"copying the template to {node.DataDir}", ExecutableLocator.Find("cp") ?? "cp",
            ["-a", templateDir, node.DataDir], ct, workingDirectory: Path.GetDirectoryName(node.DataDir)).ConfigureAwait(false);
        await WriteInstanceConfigAsync(node, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes a replica: <c>pg_basebackup -R -X stream</c> from its primary through a new physical slot,
    /// which also writes <c>standby.signal</c> and <c>primary_conninfo</c>.
    /// </summary>
    public async Task BaseBackupAsync(NodeState replica, NodeState primary, string adminPassword, CancellationToken ct)
    {
        string conninfo = string.Create(CultureInfo.InvariantCulture,
            $"host=127.0.0.1 port={primary.Port} user={LocalCluster.AdminRole} application_name={replica.Id}");
        await runner.RunPostgresToolAsync(
            $"pg_basebackup of {replica.Id} from {primary.Id}",
            Tool("pg_basebackup"),
            ["-D", replica.DataDir, "-d", conninfo, "-R", "-X", "stream", "-C", "-S", replica.SlotName!, "--checkpoint=fast", "--no-sync"],
            ct,
            environment: new Dictionary<string, string> { ["PGPASSWORD"] = adminPassword },
            workingDirectory: Path.GetDirectoryName(replica.DataDir)).ConfigureAwait(false);

        // The backup copied the primary's instance.conf; the replica needs its own port and name.
        await WriteInstanceConfigAsync(replica, ct).ConfigureAwait(false);
    }

    /// <summary>Starts the node with <c>pg_ctl start -w</c> and records the postmaster PID.</summary>
    public async Task StartAsync(NodeState node, CancellationToken ct)
    {
        try
        {
            await runner.RunPostgresToolAsync(
                $"starting {node.Id} on port {node.Port}",
                Tool("pg_ctl"),
                ["start", "-D", node.DataDir, "-l", node.LogFile, "-w", "-t", "60", "-s"],
                ct,
                workingDirectory: Path.GetDirectoryName(node.DataDir)).ConfigureAwait(false);
        }
        catch (DevClusterException e)
        {
            throw new DevClusterException($"{e.Message}\n--- {node.LogFile} ---\n{OutputTail.OfFile(node.LogFile, 15)}", e);
        }

        int pid = ReadPostmasterPid(node.DataDir)
            ?? throw new DevClusterException($"{node.Id} started but {node.DataDir}/postmaster.pid is missing; see {node.LogFile}.");
        node.Pid = pid;
        node.StartTime = ProcessControl.GetStartTime(pid) ?? 0;
    }

    /// <summary>
    /// Stops the node: <c>pg_ctl stop</c> (fast or immediate), then SIGKILL for a postmaster that is still there,
    /// and waits until it is gone. A node that is not running is left alone.
    /// </summary>
    public async Task StopAsync(NodeState node, bool immediate, CancellationToken ct)
    {
        bool hasPidFile = File.Exists(Path.Combine(node.DataDir, "postmaster.pid"));
        bool alive = ProcessControl.IsAlive(node.Pid, node.StartTime);
        if (hasPidFile && Directory.Exists(node.DataDir))
        {
            try
            {
                await runner.RunPostgresToolAsync(
                    $"stopping {node.Id}",
                    Tool("pg_ctl"),
                    ["stop", "-D", node.DataDir, "-m", immediate ? "immediate" : "fast", "-w", "-t", "30", "-s"],
                    ct,
                    workingDirectory: Path.GetDirectoryName(node.DataDir)).ConfigureAwait(false);
            }
            catch (DevClusterException)
            {
                // Not running any more (stale PID file) or stuck: the PID check below settles it.
            }
        }

        if (alive && !await ProcessControl.WaitForExitAsync(node.Pid, node.StartTime, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false))
        {
            ProcessControl.Signal(node.Pid, node.StartTime, NativeMethods.SigKill);
            if (!await ProcessControl.WaitForExitAsync(node.Pid, node.StartTime, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))
            {
                throw new DevClusterException($"{node.Id} (PID {node.Pid}) did not exit after SIGKILL.");
            }
        }

        node.Pid = 0;
        node.StartTime = 0;
    }

    /// <summary>
    /// Promotes a standby with <c>pg_ctl promote -w</c> (as an operator would by hand, or as an HA manager does):
    /// it leaves recovery and starts a new timeline. Returns once the promotion is complete.
    /// </summary>
    public Task PromoteAsync(NodeState node, CancellationToken ct) =>
        runner.RunPostgresToolAsync(
            $"promoting {node.Id}",
            Tool("pg_ctl"),
            ["promote", "-D", node.DataDir, "-w", "-t", "60", "-s"],
            ct,
            workingDirectory: Path.GetDirectoryName(node.DataDir));

    /// <summary>
    /// Kills the node's postmaster with SIGKILL (a crash of the machine as far as clients can tell: no shutdown, no
    /// goodbye on open connections) and waits until it is gone. Its backends exit on their own once they notice.
    /// </summary>
    public static async Task KillAsync(NodeState node, CancellationToken ct)
    {
        if (!ProcessControl.IsAlive(node.Pid, node.StartTime))
        {
            throw new DevClusterException($"{node.Id} is not running (recorded PID {node.Pid}); there is nothing to kill.");
        }

        ProcessControl.Signal(node.Pid, node.StartTime, NativeMethods.SigKill);
        if (!await ProcessControl.WaitForExitAsync(node.Pid, node.StartTime, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))
        {
            throw new DevClusterException($"{node.Id} (PID {node.Pid}) did not exit after SIGKILL.");
        }

        node.Pid = 0;
        node.StartTime = 0;
    }

    /// <summary>Whether the recorded postmaster runs and its port accepts TCP connections.</summary>
    public static async Task<bool> IsHealthyAsync(NodeState node, CancellationToken ct) =>
        ProcessControl.IsAlive(node.Pid, node.StartTime) && await PortProbe.IsAnsweringAsync(node.Port, ct).ConfigureAwait(false);

    private async Task WriteInstanceConfigAsync(NodeState node, CancellationToken ct)
    {
        string path = Path.Combine(node.DataDir, PostgresSetup.InstanceConfigFile);
        await File.WriteAllTextAsync(path, PostgresSetup.InstanceConfig(node.Port, node.Id), ct).ConfigureAwait(false);
        await runner.ChownToPostgresAsync(path, recursive: false, ct).ConfigureAwait(false);
    }

    /// <summary>The postmaster PID in the data directory's <c>postmaster.pid</c>, or null when there is none.</summary>
    public static int? ReadPostmasterPid(string dataDir)
    {
        try
        {
            string? first = File.ReadLines(Path.Combine(dataDir, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out int pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
