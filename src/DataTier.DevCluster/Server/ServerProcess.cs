using System.Globalization;
using System.Net;
using DataTier.DevCluster.Processes;
using DataTier.DevCluster.State;

namespace DataTier.DevCluster.Server;

/// <summary>The DataTier server as a background <c>dotnet DataTier.Server.dll</c> process.</summary>
internal static class ServerProcess
{
    public static ProcessState Describe(string serverDll, string configPath, int port, string logFile) => new()
    {
        Port = port,
        Executable = FindDotnet(),
        Arguments = [serverDll, "--config", configPath, "--urls", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}")],

        // The content root is the working directory: the server's own appsettings.json sits beside its dll.
        WorkingDirectory = Path.GetDirectoryName(serverDll)!,
        LogFile = logFile,
    };

    /// <summary>Starts the server and waits until <c>GET /health/ready</c> answers 200.</summary>
    public static async Task StartAsync(ProcessState server, TimeSpan readyTimeout, CancellationToken ct)
    {
        (server.Pid, server.StartTime) = BackgroundProcess.Start(server.Executable, server.Arguments, server.LogFile, server.WorkingDirectory);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{server.Port}/health/ready"));
        var deadline = DateTime.UtcNow + readyTimeout;
        HttpStatusCode? last = null;
        while (true)
        {
            if (!ProcessControl.IsAlive(server.Pid, server.StartTime))
            {
                throw new DevClusterException(
                    $"The DataTier server exited during start-up; see {server.LogFile}:\n{OutputTail.OfFile(server.LogFile, 25)}");
            }

            try
            {
                using var response = await http.GetAsync(url, ct).ConfigureAwait(false);
                last = response.StatusCode;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // One probe timed out; try again.
            }

            if (DateTime.UtcNow >= deadline)
            {
                string answer = last is null ? "no answer" : $"last answer {(int)last}";
                throw new DevClusterException(
                    $"The DataTier server did not report ready at {url} within {readyTimeout.TotalSeconds:0} s ({answer}); " +
                    $"see {server.LogFile}:\n{OutputTail.OfFile(server.LogFile, 25)}");
            }

            await Task.Delay(250, ct).ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM (graceful shutdown), SIGKILL after 15 s; returns once it is gone.</summary>
    public static async Task StopAsync(ProcessState server, CancellationToken ct)
    {
        await ProcessControl.TerminateAsync(server.Pid, server.StartTime, TimeSpan.FromSeconds(15), ct).ConfigureAwait(false);
        server.Pid = 0;
        server.StartTime = 0;
    }

    /// <summary>The dotnet host: the one running this process when it is <c>dotnet</c>, else from the environment or PATH.</summary>
    private static string FindDotnet()
    {
        string? current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        string? hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath))
        {
            return hostPath;
        }

        string? root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet")))
        {
            return Path.Combine(root, "dotnet");
        }

        return ExecutableLocator.Find("dotnet") ?? throw new DevClusterException("The 'dotnet' host was not found on PATH; it is needed to run the DataTier server.");
    }
}
