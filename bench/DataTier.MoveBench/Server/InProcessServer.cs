using System.Globalization;
using System.Net.Http.Headers;
using DataTier.Core.Health;
using DataTier.DevCluster;
using DataTier.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataTier.MoveBench.Server;

/// <summary>
/// A real DataTier server hosted in this process (as the integration tests host one) with the topology in the
/// catalog, so shards can be added and drained and moves run. Kestrel listens on 127.0.0.1 only.
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FileLoggerProvider _logs;

    private InProcessServer(WebApplication app, Uri baseAddress, FileLoggerProvider logs, IReadOnlyDictionary<string, string?> settings)
    {
        _app = app;
        _logs = logs;
        BaseAddress = baseAddress;
        Settings = settings;
    }

    public Uri BaseAddress { get; }

    /// <summary>The settings this bench sets on top of the cluster's server configuration (reported with the results).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    public string LogPath => _logs.Path;

    public static async Task<InProcessServer> StartAsync(ClusterManifest manifest, int port, string logPath, CancellationToken ct)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DataTier:Topology:Store"] = "Catalog",
            // The grace before a move deletes the sources' copies protects other instances with a stale topology;
            // there is no other instance here, and the default 10 s would be most of an idle move's wall time.
            ["DataTier:Rebalancing:CleanupGraceSeconds"] = "1",
            // No scheduled rebalancing check or index advice in the middle of a measurement: both scan the shards.
            ["DataTier:Rebalancing:IntervalSeconds"] = "0",
            ["DataTier:Advisor:Schedule"] = "",
        };
        var values = new Dictionary<string, string?>(LocalCluster.CreateServerConfigValues(manifest));
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var logs = new FileLoggerProvider(logPath);
        WebApplication? app = null;
        try
        {
            // The content root is the output folder, where the server's appsettings.json (pool size, health probe
            // interval, ...) is copied: the server here runs with the settings it ships with, whatever the cwd.
            string[] args = ["--urls", "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "--contentRoot", AppContext.BaseDirectory];
            app = DataTierHost.Build(args, builder =>
            {
                builder.Configuration.AddInMemoryCollection(values);
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(logs);
            });
            await app.StartAsync(ct);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            // Moves route by node health: wait until every node has been probed once.
            await app.Services.GetRequiredService<NodeHealthMonitor>().FirstRound.WaitAsync(TimeSpan.FromSeconds(30), ct);
            return new InProcessServer(app, new Uri(address), logs, settings);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            logs.Dispose();
            throw;
        }
    }

    /// <summary>A client for the server with <paramref name="apiKey"/>.</summary>
    public HttpClient CreateClient(string apiKey)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _app.StopAsync(bound.Token);
        }
        finally
        {
            await _app.DisposeAsync();
            _logs.Dispose();
        }
    }
}
