using DataTier.Server.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DataTier.IntegrationTests.Deploy;

/// <summary>The real server host, built (never started) to read what a deployment file relies on.</summary>
internal static class ServerHost
{
    private const string HostPrefix = "DOTNET_";

    // Enough for the endpoints to be mapped: building resolves the topology and the token options. Nothing connects.
    private static readonly KeyValuePair<string, string?>[] Minimal =
    [
        new("DataTier:Topology:Shards:0:Id", "s1"),
        new("DataTier:Topology:Shards:0:Primary", "Host=127.0.0.1;Port=1;Database=datatier"),
        new("DataTier:Tokens:SigningKey", Convert.ToBase64String(new byte[32])),
    ];

    /// <summary>
    /// The host's shutdown timeout when the environment variable <paramref name="environmentName"/> is set to
    /// <paramref name="value"/>: the host reads DOTNET_-prefixed variables without the prefix, so the value is given to
    /// the built host under that key (setting it in this process's environment would reach other tests' hosts too).
    /// </summary>
    public static TimeSpan ShutdownTimeout(string environmentName, string value)
    {
        Assert.StartsWith(HostPrefix, environmentName, StringComparison.Ordinal);
        string key = environmentName[HostPrefix.Length..];
        var app = DataTierHost.Build([], b => b.Configuration.AddInMemoryCollection([.. Minimal, new(key, value)]));
        try
        {
            return app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
        }
        finally
        {
            ((IDisposable)app).Dispose();
        }
    }

    /// <summary>The route patterns the server maps for GET.</summary>
    public static List<string> GetRoutes()
    {
        var app = DataTierHost.Build([], b => b.Configuration.AddInMemoryCollection(Minimal));
        try
        {
            return ((IEndpointRouteBuilder)app).DataSources
                .SelectMany(d => d.Endpoints)
                .OfType<RouteEndpoint>()
                .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is not { } methods || methods.HttpMethods.Contains("GET"))
                .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
                .ToList();
        }
        finally
        {
            ((IDisposable)app).Dispose();
        }
    }
}
