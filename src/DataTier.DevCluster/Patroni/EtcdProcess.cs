using System.Globalization;
using DataTier.DevCluster.Processes;
using DataTier.DevCluster.State;

namespace DataTier.DevCluster.Patroni;

/// <summary>A single etcd member on 127.0.0.1 for Patroni's leader keys: its own data directory, not daemonized.</summary>
internal static class EtcdProcess
{
    private const string MemberName = "datatier-dev";

    public static string? FindExecutable() => ExecutableLocator.Find("etcd");

    /// <summary>The member's command line; <see cref="ProcessState.Port"/> is the client port.</summary>
    public static ProcessState Describe(string executable, int clientPort, int peerPort, string dir, string logFile)
    {
        string client = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{clientPort}");
        string peer = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{peerPort}");
        return new ProcessState
        {
            Port = clientPort,
            Executable = executable,
            Arguments =
            [
                "--name", MemberName,
                "--data-dir", Path.Combine(dir, "data"),
                "--listen-client-urls", client,
                "--advertise-client-urls", client,
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer,
                "--initial-cluster", $"{MemberName}={peer}",
                "--initial-cluster-state", "new",
                "--initial-cluster-token", "datatier-dev-" + Path.GetFileName(Path.GetDirectoryName(dir)),
            ],
            WorkingDirectory = dir,
            LogFile = logFile,
        };
    }

    /// <summary>Starts etcd and waits until its <c>/health</c> says so.</summary>
    public static async Task StartAsync(ProcessState etcd, CancellationToken ct)
    {
        Directory.CreateDirectory(etcd.WorkingDirectory);
        (etcd.Pid, etcd.StartTime) = BackgroundProcess.Start(etcd.Executable, etcd.Arguments, etcd.LogFile, etcd.WorkingDirectory);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        using var rest = new PatroniRestClient();
        while (!await IsHealthyAsync(etcd, rest, ct).ConfigureAwait(false))
        {
            if (!ProcessControl.IsAlive(etcd.Pid, etcd.StartTime) || DateTime.UtcNow >= deadline)
            {
                throw new DevClusterException(
                    $"etcd did not become healthy on port {etcd.Port}; see {etcd.LogFile}:\n{OutputTail.OfFile(etcd.LogFile, 15)}");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM (then SIGKILL after 10 s); returns once it is gone.</summary>
    public static Task StopAsync(ProcessState etcd, CancellationToken ct) => ProcessControl.StopRecordedAsync(etcd, TimeSpan.FromSeconds(10), ct);

    public static async Task<bool> IsHealthyAsync(ProcessState etcd, PatroniRestClient rest, CancellationToken ct)
    {
        if (!ProcessControl.IsAlive(etcd.Pid, etcd.StartTime))
        {
            return false;
        }

        string? body = await rest.TryGetStringAsync(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{etcd.Port}/health"), ct).ConfigureAwait(false);
        return body is not null && body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
    }
}
