using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using DataTier.DevCluster;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// A DataTier server in a process of its own (<c>dotnet DataTier.Server.dll</c> on 127.0.0.1), for tests that kill it
/// with SIGKILL mid-operation, as a crash or an OOM kill would. Killed on dispose if still running.
/// </summary>
public sealed class ServerProcessHandle : IAsyncDisposable
{
    private readonly string _configPath;
    private readonly string _logPath;
    private Process? _process;

    private ServerProcessHandle(string configPath, string logPath, int port)
    {
        _configPath = configPath;
        _logPath = logPath;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    /// <summary>Where the server listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The server's process id (for reading its memory), once started.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>The server's output so far (for failure messages).</summary>
    public string Output => File.Exists(_logPath) ? File.ReadAllText(_logPath) : "";

    /// <summary>Writes the cluster's server configuration with <paramref name="settings"/> (flat keys) on top and starts the server.</summary>
    public static async Task<ServerProcessHandle> StartAsync(ClusterFixture fixture, IDictionary<string, string?> settings)
    {
        var config = LocalCluster.CreateServerConfig(fixture.Manifest);
        foreach (var (key, value) in settings)
        {
            JsonNode node = config;
            var parts = key.Split(':');
            foreach (string part in parts[..^1])
            {
                node = node[part] ??= new JsonObject();
            }

            node[parts[^1]] = value;
        }

        string dir = Path.Combine(fixture.BaseDir, "servers");
        Directory.CreateDirectory(dir);
        string name = Guid.NewGuid().ToString("N")[..8];
        string configPath = Path.Combine(dir, $"{name}.json");
        await File.WriteAllTextAsync(configPath, config.ToJsonString());
        var handle = new ServerProcessHandle(configPath, Path.Combine(dir, $"{name}.log"), FreePort());
        await handle.StartAsync();
        return handle;
    }

    /// <summary>Starts (or starts again) the process and waits until it reports ready.</summary>
    public async Task StartAsync()
    {
        string dll = CliRunner.BuiltDll("DataTier.Server", "DataTier.Server.dll");
        var info = new ProcessStartInfo(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { dll, "--config", _configPath, "--urls", BaseAddress.ToString().TrimEnd('/') })
        {
            info.ArgumentList.Add(arg);
        }

        var log = new StreamWriter(_logPath, append: true) { AutoFlush = true };
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited during start-up:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "/health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The server did not report ready within 60 s:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown hooks run, nothing is released or flushed.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>An HTTP client with an API key.</summary>
    public HttpClient CreateClient(string apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A TCP port on 127.0.0.1 that is free now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
