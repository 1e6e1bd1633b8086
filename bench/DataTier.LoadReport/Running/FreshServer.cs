using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DataTier.LoadReport.Running;

/// <summary>
/// A DataTier server the harness starts during the run (same build and configuration as the cluster's) to measure
/// how fast a new instance reaches its settled throughput: the load starts the moment <c>/health/ready</c> answers
/// 200. Stopped (killed) when disposed; it listens on 127.0.0.1 only (HTTP and its PostgreSQL wire front end, on a
/// port of its own).
/// </summary>
internal sealed class FreshServer : IAsyncDisposable
{
    private readonly Process _process;

    private FreshServer(Process process, string baseUrl, TimeSpan startedIn)
    {
        _process = process;
        BaseUrl = baseUrl;
        StartedIn = startedIn;
    }

    public string BaseUrl { get; }

    /// <summary>From the process start to the first 200 from /health/ready.</summary>
    public TimeSpan StartedIn { get; }

    public static async Task<FreshServer> StartAsync(string serverDll, string config, HttpClient http, CancellationToken ct)
    {
        int port = FreePort();
        string url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(serverDll))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { serverDll, "--config", config, "--urls", url })
        {
            info.ArgumentList.Add(a);
        }

        // The configuration names the cluster server's wire port, which that server holds: this one listens on its own.
        info.Environment["DataTier__Postgres__Port"] = FreePort().ToString(CultureInfo.InvariantCulture);

        long started = Stopwatch.GetTimestamp();
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the fresh DataTier server.");
        // Drained so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new FreshServer(process, url, TimeSpan.Zero);
        try
        {
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 60);
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"The fresh DataTier server exited with {process.ExitCode} before it was ready.");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri(url + "/health/ready"), ct).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return new FreshServer(process, url, Stopwatch.GetElapsedTime(started));
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new InvalidOperationException($"The fresh DataTier server on {url} was not ready within 60 s.");
                }

                await Task.Delay(50, ct).ConfigureAwait(false);
            }
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }
}
