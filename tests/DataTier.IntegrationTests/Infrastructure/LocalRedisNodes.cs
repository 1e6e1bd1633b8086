using System.Globalization;
using DataTier.DevCluster.Processes;
using DataTier.DevCluster.Redis;
using DataTier.DevCluster.State;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// Plain <c>redis-server</c> processes on 127.0.0.1 (free ports, a directory each) that a Redis Cluster or a Sentinel
/// setup is built from; each is stopped by its own PID. Without <c>redis-server</c> / <c>redis-cli</c> it throws.
/// </summary>
public sealed class LocalRedisNodes : IAsyncDisposable
{
    private readonly List<ProcessState> _processes = [];

    internal LocalRedisNodes(string baseDir)
    {
        BaseDir = baseDir;
        Executable = RedisProcess.FindExecutable() ?? throw new InvalidOperationException("redis-server is not installed (install the Debian package redis-server).");
        Cli = ExecutableLocator.Find("redis-cli") ?? throw new InvalidOperationException("redis-cli is not installed (install the Debian package redis-tools).");
        Directory.CreateDirectory(baseDir);
    }

    /// <summary>Where the nodes keep their files.</summary>
    public string BaseDir { get; }

    internal string Executable { get; }

    internal string Cli { get; }

    /// <summary>The ports of the started processes, in start order.</summary>
    public IReadOnlyList<int> Ports => _processes.Select(p => p.Port).ToList();

    /// <summary>Starts a <c>redis-server</c> on <paramref name="port"/> with extra arguments (or a config file first, for sentinels).</summary>
    internal async Task<ProcessState> StartAsync(int port, string name, IEnumerable<string> extra, string? configFile = null)
    {
        string dir = Path.Combine(BaseDir, name);
        var state = RedisProcess.Describe(Executable, port, dir, Path.Combine(BaseDir, name + ".log"));
        if (configFile is not null)
        {
            state.Arguments.Insert(0, configFile);
        }

        state.Arguments.AddRange(extra);
        await RedisProcess.StartAsync(state, CancellationToken.None);
        _processes.Add(state);
        return state;
    }

    /// <summary>Whether every started process is alive.</summary>
    public bool AllRunning => _processes.All(p => p.Pid != 0 && ProcessControl.IsAlive(p.Pid, p.StartTime));

    /// <summary>Stops every process (SIGTERM); their directories stay, so a cluster keeps its nodes.conf.</summary>
    internal async Task StopAllAsync()
    {
        foreach (var process in _processes)
        {
            await RedisProcess.StopAsync(process, CancellationToken.None);
        }
    }

    /// <summary>Starts every stopped process again with the same ports, arguments and directories.</summary>
    internal async Task StartAllAsync()
    {
        foreach (var process in _processes.Where(p => p.Pid == 0 || !ProcessControl.IsAlive(p.Pid, p.StartTime)))
        {
            await RedisProcess.StartAsync(process, CancellationToken.None);
        }
    }

    /// <summary>SIGKILL, as a crash would: no goodbye to replicas or sentinels.</summary>
    internal void Kill(int port)
    {
        var state = _processes.Single(p => p.Port == port);
        ProcessControl.Signal(state.Pid, state.StartTime, NativeMethods.SigKill);
    }

    /// <summary>Runs <c>redis-cli -p port args...</c> and returns its output; throws when it fails.</summary>
    internal async Task<string> CliAsync(int port, params string[] args)
    {
        var all = new List<string> { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) };
        all.AddRange(args);
        var result = await CommandRunner.RunAsync(Cli, all, null, null, CancellationToken.None);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', all)} failed:\n{result.Tail()}");
        }

        return result.Output;
    }

    /// <summary>Polls <paramref name="check"/> every 100 ms until it holds; throws with <paramref name="what"/> after the timeout.</summary>
    internal static async Task WaitUntilAsync(Func<Task<bool>> check, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await check())
                {
                    return;
                }
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                // A node still starting or just killed: try again.
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAllAsync();

        if (Directory.Exists(BaseDir))
        {
            Directory.Delete(BaseDir, recursive: true);
        }
    }
}
