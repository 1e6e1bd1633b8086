using System.Net.Http.Headers;
using DataTier.DevCluster;
using DataTier.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// A real DataTier server (Kestrel on 127.0.0.1, a free port) hosted in the test process, configured for the
/// fixture's cluster. Several can run at once against one cluster (multi-instance tests).
/// </summary>
public sealed class DataTierServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DataTierServer(WebApplication app, Uri baseAddress, CapturingLoggerProvider logs)
    {
        _app = app;
        BaseAddress = baseAddress;
        Logs = logs;
    }

    /// <summary>Where the server listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Every log line the server wrote.</summary>
    public CapturingLoggerProvider Logs { get; }

    /// <summary>
    /// Starts a server; <paramref name="overrides"/> replace configuration keys (e.g. <c>DataTier:Health:ProbeIntervalMs</c>).
    /// With <paramref name="configFile"/> the API keys come from that file (<c>--config</c>, reloaded on change) instead.
    /// <paramref name="configure"/> adds services of a test's own (e.g. an in-memory trace exporter).
    /// </summary>
    public static async Task<DataTierServer> StartAsync(ClusterFixture fixture, IDictionary<string, string?>? overrides = null, bool waitForProbe = true, string? configFile = null, Action<IServiceCollection>? configure = null)
    {
        var values = new Dictionary<string, string?>(LocalCluster.CreateServerConfigValues(fixture.Manifest))
        {
            ["DataTier:Health:ProbeIntervalMs"] = "250",
        };
        if (configFile is not null)
        {
            foreach (var key in values.Keys.Where(k => k.StartsWith("DataTier:Auth", StringComparison.Ordinal)).ToList())
            {
                values.Remove(key);
            }
        }
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var logs = new CapturingLoggerProvider();
        string[] args = configFile is null ? ["--urls", "http://127.0.0.1:0"] : ["--urls", "http://127.0.0.1:0", "--config", configFile];
        var app = DataTierHost.Build(args, builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddProvider(logs);
            configure?.Invoke(builder.Services);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new DataTierServer(app, new Uri(address), logs);
        if (waitForProbe)
        {
            await app.Services.GetRequiredService<Core.Health.NodeHealthMonitor>().FirstRound.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return server;
    }

    /// <summary>An HTTP client for the server with an API key (none when null).</summary>
    public HttpClient CreateClient(string? apiKey)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 2000, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
