using System.Globalization;
using DataTier.DevCluster.Processes;
using DataTier.DevCluster.State;

namespace DataTier.DevCluster.Redis;

/// <summary>A throw-away <c>redis-server</c> on 127.0.0.1: no persistence, not daemonized, its own directory.</summary>
internal static class RedisProcess
{
    public static string? FindExecutable() => ExecutableLocator.Find("redis-server");

    public static ProcessState Describe(string executable, int port, string dir, string logFile) => new()
    {
        Port = port,
        Executable = executable,
        Arguments =
        [
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", dir,
        ],
        WorkingDirectory = dir,
        LogFile = logFile,
    };

    /// <summary>Starts Redis and waits until its port accepts connections.</summary>
    public static async Task StartAsync(ProcessState redis, CancellationToken ct)
    {
        Directory.CreateDirectory(redis.WorkingDirectory);
        (redis.Pid, redis.StartTime) = BackgroundProcess.Start(redis.Executable, redis.Arguments, redis.LogFile, redis.WorkingDirectory);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await PortProbe.IsAnsweringAsync(redis.Port, ct).ConfigureAwait(false))
        {
            if (!ProcessControl.IsAlive(redis.Pid, redis.StartTime) || DateTime.UtcNow >= deadline)
            {
                throw new DevClusterException(
                    $"redis-server did not start on port {redis.Port}; see {redis.LogFile}:\n{OutputTail.OfFile(redis.LogFile, 15)}");
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM (then SIGKILL after 10 s); returns once it is gone.</summary>
    public static Task StopAsync(ProcessState redis, CancellationToken ct) => ProcessControl.StopRecordedAsync(redis, TimeSpan.FromSeconds(10), ct);

    public static async Task<bool> IsHealthyAsync(ProcessState redis, CancellationToken ct) =>
        ProcessControl.IsAlive(redis.Pid, redis.StartTime) && await PortProbe.IsAnsweringAsync(redis.Port, ct).ConfigureAwait(false);
}
