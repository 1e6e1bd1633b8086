using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DataTier.Postgres.Hosting;

/// <summary>
/// Adds the wire listener to Kestrel. Any endpoint configured in code makes Kestrel ignore <c>--urls</c> and
/// ASPNETCORE_URLS, so when the listener is on, the configured HTTP URLs (or Kestrel's default) are bound here
/// too, first, so the HTTP API keeps every address it had and <c>IServerAddressesFeature</c> lists them first.
/// </summary>
internal sealed class PostgresKestrelSetup : IConfigureOptions<KestrelServerOptions>
{
    private readonly IOptions<PostgresOptions> _options;
    private readonly IConfiguration _configuration;
    private readonly PostgresEndpoint _endpoint;

    public PostgresKestrelSetup(IOptions<PostgresOptions> options, IConfiguration configuration, PostgresEndpoint endpoint)
    {
        _options = options;
        _configuration = configuration;
        _endpoint = endpoint;
    }

    public void Configure(KestrelServerOptions kestrel)
    {
        var options = _options.Value;
        if (options.Port == 0)
        {
            return;
        }

        foreach (string url in HttpUrls(_configuration))
        {
            ListenHttp(kestrel, url);
        }

        var address = IPAddress.Parse(options.ListenAddress);
        kestrel.Listen(address, options.Port < 0 ? 0 : options.Port, listen =>
        {
            listen.UseConnectionHandler<PostgresConnectionHandler>();
            _endpoint.Listen = listen;
        });
    }

    /// <summary>The HTTP URLs the host was given: <c>urls</c> (--urls, ASPNETCORE_URLS), else <c>http_ports</c>, else Kestrel's default.</summary>
    internal static IEnumerable<string> HttpUrls(IConfiguration configuration)
    {
        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        if (configuration[WebHostDefaults.HttpPortsKey] is { Length: > 0 } ports)
        {
            return ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}");
        }

        return ["http://localhost:5000"];
    }

    private static void ListenHttp(KestrelServerOptions kestrel, string url)
    {
        var binding = BindingAddress.Parse(url);
        if (!string.Equals(binding.Scheme, "http", StringComparison.OrdinalIgnoreCase))
        {
            throw new OptionsValidationException(PostgresOptions.SectionName, typeof(PostgresOptions),
                [$"The URL '{url}' is not http://; with {PostgresOptions.SectionName}:Port set, DataTier binds the HTTP URLs itself and supports only http:// ones so far."]);
        }

        if (binding.Host is "*" or "+" or "0.0.0.0" or "[::]")
        {
            kestrel.ListenAnyIP(binding.Port);
        }
        else if (string.Equals(binding.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (binding.Port == 0)
            {
                kestrel.Listen(IPAddress.Loopback, 0);
            }
            else
            {
                kestrel.ListenLocalhost(binding.Port);
            }
        }
        else
        {
            kestrel.Listen(IPAddress.Parse(binding.Host.Trim('[', ']')), binding.Port);
        }
    }
}
