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

    private DataTierServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>Where the server listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a server; <paramref name="overrides"/> replace configuration keys (e.g. <c>DataTier:Health:ProbeIntervalMs</c>).</summary>
    public static async Task<DataTierServer> StartAsync(ClusterFixture fixture, IDictionary<string, string?>? overrides = null, bool waitForProbe = true)
    {
        var values = new Dictionary<string, string?>(LocalCluster.CreateServerConfigValues(fixture.Manifest))
        {
            ["DataTier:Health:ProbeIntervalMs"] = "250",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var app = DataTierHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new DataTierServer(app, new Uri(address));
        if (waitForProbe)
        {
            await app.Services.GetRequiredService<Core.Health.NodeHealthMonitor>().FirstRound.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return server;
    }

    /// <summary>An HTTP client for the server with an API key (none when null).</summary>
    public HttpClient CreateClient(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
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
