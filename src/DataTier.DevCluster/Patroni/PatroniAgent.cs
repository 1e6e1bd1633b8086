using DataTier.DevCluster.Processes;
using DataTier.DevCluster.State;

namespace DataTier.DevCluster.Patroni;

/// <summary>
/// One node's Patroni agent: a long-running process, as the <c>postgres</c> OS user when this process is root (it
/// starts and stops postgres itself, and PostgreSQL refuses root). <c>setpriv</c> changes the user and execs in
/// place, unlike <c>runuser</c>, which forks: the recorded PID is Patroni's own, and only it is ever signalled.
/// </summary>
internal static class PatroniAgent
{
    public static string? FindExecutable() => ExecutableLocator.Find("patroni");

    /// <summary>The agent of <paramref name="node"/>; <see cref="ProcessState.Port"/> is its REST API's.</summary>
    public static ProcessState Describe(string executable, string node, int restPort, string dir, string logFile) => new()
    {
        Port = restPort,
        Executable = executable,
        Arguments = [Path.Combine(dir, node + ".yml")],
        WorkingDirectory = dir,
        LogFile = logFile,
    };

    /// <summary>Writes the node's configuration and starts its agent; does not wait for postgres.</summary>
    public static async Task StartAsync(ClusterState state, NodeState node, CancellationToken ct)
    {
        var agent = node.Patroni!;
        var runner = new CommandRunner(state.RunAsPostgres);
        Directory.CreateDirectory(agent.WorkingDirectory);
        await runner.ChownToPostgresAsync(agent.WorkingDirectory, recursive: false, ct).ConfigureAwait(false);
        string config = agent.Arguments[0];
        await File.WriteAllTextAsync(config, PatroniConfigFile.Render(state, node), ct).ConfigureAwait(false);
        FileSystem.MakePrivate(config);
        await runner.ChownToPostgresAsync(config, recursive: false, ct).ConfigureAwait(false);

        if (state.RunAsPostgres)
        {
            string setpriv = ExecutableLocator.Find("setpriv")
                ?? throw new DevClusterException("Running Patroni as the 'postgres' user needs 'setpriv' (package util-linux).");
            (agent.Pid, agent.StartTime) = BackgroundProcess.Start(
                setpriv,
                ["--reuid=" + CommandRunner.PostgresOsUser, "--regid=" + CommandRunner.PostgresOsUser, "--init-groups", "--", agent.Executable, .. agent.Arguments],
                agent.LogFile,
                agent.WorkingDirectory,
                new Dictionary<string, string> { ["HOME"] = agent.WorkingDirectory });
        }
        else
        {
            (agent.Pid, agent.StartTime) = BackgroundProcess.Start(agent.Executable, agent.Arguments, agent.LogFile, agent.WorkingDirectory);
        }
    }

    /// <summary>
    /// SIGTERM: Patroni stops its postgres (fast shutdown) and exits; SIGKILL after <paramref name="grace"/>. Returns
    /// once the agent is gone. A postgres it leaves running is the caller's to stop.
    /// </summary>
    public static Task StopAsync(ProcessState agent, TimeSpan grace, CancellationToken ct) => ProcessControl.StopRecordedAsync(agent, grace, ct);

    public static bool IsAlive(ProcessState agent) => ProcessControl.IsAlive(agent.Pid, agent.StartTime);
}
