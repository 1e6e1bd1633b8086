using DataTier.Core.Caching;
using DataTier.Core.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DataTier.Server.Diagnostics;

/// <summary>Registers OpenTelemetry tracing when it is configured (see <see cref="TracingOptions"/>).</summary>
public static class TracingExtensions
{
    /// <summary>The standard variables that name an OTLP endpoint; either one turns tracing on and adds the OTLP exporter.</summary>
    private static readonly string[] OtlpEndpointKeys = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"];

    /// <summary>
    /// Adds the tracer provider (DataTier's spans, ASP.NET Core, Npgsql, Redis; OTLP export when an endpoint is set)
    /// when tracing is enabled. Off, nothing is registered: no listener subscribes, and every span DataTier would start
    /// is a null check. An exporter of one's own joins through <c>ConfigureOpenTelemetryTracerProvider</c>.
    /// </summary>
    public static IServiceCollection AddDataTierTracing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptionsWithValidateOnStart<TracingOptions>().Bind(configuration.GetSection(TracingOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TracingOptions>, TracingOptionsValidator>());
        bool otlp = OtlpEndpointKeys.Any(k => !string.IsNullOrWhiteSpace(configuration[k]));
        var options = configuration.GetSection(TracingOptions.SectionName).Get<TracingOptions>() ?? new TracingOptions();
        if (!options.Enabled && !otlp)
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r =>
            {
                // OTEL_SERVICE_NAME, when set, names the service (the SDK reads it); otherwise "datatier".
                if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
                {
                    r.AddService("datatier");
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(DataTierTracing.SourceName);
                string[] excluded = options.ExcludePaths;
                tracing.AddAspNetCoreInstrumentation(o => o.Filter = context => !excluded.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)));
                if (options.Npgsql)
                {
                    tracing.AddNpgsql();
                }

                if (options.Redis)
                {
                    tracing.AddRedisInstrumentation();
                    // The connection is DataTier's own (RedisConnection), not a registered IConnectionMultiplexer.
                    tracing.ConfigureRedisInstrumentation(static (sp, redis) =>
                    {
                        if (sp.GetRequiredService<RedisConnection>().Multiplexer is { } multiplexer)
                        {
                            redis.AddConnection(multiplexer);
                        }
                    });
                }

                if (otlp)
                {
                    // Endpoint, protocol, headers and timeout come from the OTEL_EXPORTER_OTLP_* variables.
                    tracing.AddOtlpExporter();
                }
            });
        return services;
    }
}
