using DataTier.Postgres.Backends;
using DataTier.Postgres.Diagnostics;
using DataTier.Postgres.Routing;
using DataTier.Postgres.Sessions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DataTier.Postgres.Hosting;

/// <summary>Registers the PostgreSQL wire front end.</summary>
public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Adds the wire front end over the Core services already registered (topology, read router, table versions,
    /// catalog). The host provides an <see cref="Authentication.IPostgresUserStore"/>. The listener binds only when
    /// <c>DataTier:Postgres:Port</c> is set.
    /// </summary>
    public static IServiceCollection AddDataTierPostgres(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptionsWithValidateOnStart<PostgresOptions>().Bind(configuration.GetSection(PostgresOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresOptions>, PostgresOptionsValidator>());
        // WireTls validates the certificate settings by loading the certificate, and keeps it for the handshakes.
        services.TryAddSingleton<WireTls>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresOptions>, WireTls>(static sp => sp.GetRequiredService<WireTls>()));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WireMetrics>();
        services.TryAddSingleton<WireFingerprints>();
        services.TryAddSingleton<BackendPools>();
        services.TryAddSingleton<StatementAnalyses>();
        services.TryAddSingleton<Caching.WireStatementProfiles>();
        services.TryAddSingleton<SessionRegistry>();
        services.TryAddSingleton<WireServices>();
        services.TryAddSingleton<PostgresConnectionHandler>();
        services.TryAddSingleton<PostgresEndpoint>();
        services.AddHostedService<PostgresListenerLog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, PostgresKestrelSetup>());
        return services;
    }
}
