using DataTier.Core.DependencyInjection;
using DataTier.Server.Auth;
using DataTier.Server.Compression;
using DataTier.Server.Endpoints;
using DataTier.Server.Jobs;
using DataTier.Server.OpenApi;
using DataTier.Server.Problems;
using DataTier.Server.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace DataTier.Server.Hosting;

/// <summary>Builds the DataTier web host: configuration, services, middleware and endpoints.</summary>
public static class DataTierHost
{
    /// <summary>Creates the application from command-line arguments (<c>--config FILE</c> adds a JSON file).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The thread pool keeps its own minimum (one thread per core) and injects threads when work waits: a raised
        // minimum (it was 64) had every queued item wake another thread, and on 2 cores the context switches and
        // spinning cost a third of cache-hit throughput and most of its p99 (measured: 55k vs 33-42k req/s, p99 8 ms
        // vs 26-41 ms at 64 connections).
        // /metrics exports the runtime's own instruments (GC, thread pool, JIT: the load report reads them); the
        // ASP.NET Core, Kestrel and Npgsql meters would add a listener callback to every request and command, for
        // series DataTier already counts itself (http_request_*, datatier_query_*).
        Metrics.ConfigureMeterAdapter(static o => o.InstrumentFilterPredicate = static i => i.Meter.Name == "System.Runtime");
        // The event-counter adapter enables every EventSource at Informational level, which turns on Kestrel's and
        // Hosting's per-request events: a quarter of what each request allocated, for counters nothing reads.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true });
        // appsettings.json next to the binaries, whatever directory the server is started from.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (builder.Configuration["config"] is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                throw new OptionsValidationException("config", typeof(string), [$"--config names '{file}', which does not exist."]);
            }

            // Reloaded on change so API keys can be rotated without a restart.
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: true);
            builder.Configuration.AddEnvironmentVariables();
            builder.Configuration.AddCommandLine(args);
        }

        configure?.Invoke(builder);
        // After configure: a host's own configuration sources may name the formatter.
        if (builder.Configuration["Logging:Console:FormatterName"] is { Length: > 0 } formatter)
        {
            // Logging:Console:FormatterName=json writes one JSON object a line (Logging:Console:FormatterOptions
            // configures it, e.g. IncludeScopes). Set in code as well: the slim builder's console registration sets
            // the simple formatter after the configuration is bound, which would override the choice.
            builder.Logging.AddConsole(o => o.FormatterName = formatter);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = builder.Configuration.GetValue<long?>("DataTier:Server:MaxRequestBodyBytes") ?? 1_048_576;
            k.AddServerHeader = false;
        });
        if (builder.Configuration.GetValue<bool?>("DataTier:Server:InlineScheduling") ?? true)
        {
            // Requests run on the socket thread that read them instead of hopping to the thread pool and back: no
            // code on the request path blocks a thread (all I/O is awaited; the cache heartbeat and Quartz have threads
            // of their own), and the hops were a third of a cache hit's latency at 8 connections (measured: 42k vs
            // 27-36k req/s for the cached aggregate, p99 10-15 ms vs 21-26 ms for hits at 64 connections).
            builder.WebHost.UseSockets(static o => o.UnsafePreferInlineScheduling = true);
        }

        AddServices(builder.Services, builder.Configuration);
        var app = builder.Build();
        UsePipeline(app);
        return app;
    }

    /// <summary>Registers DataTier's services.</summary>
    public static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        // First: nothing else should start against a catalog whose schema is behind.
        services.AddHostedService<CatalogSchemaCheck>();
        services.AddDataTierTopology(configuration);
        services.AddDataTierCore(configuration);
        services.AddDataTierCaching(configuration);
        services.AddSingleton<Core.Execution.StatementPreparer>();
        services.AddOptionsWithValidateOnStart<ApiKeyOptions>().Bind(configuration.GetSection(ApiKeyOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiKeyOptions>, ApiKeyOptionsValidator>());
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<Postgres.Authentication.IPostgresUserStore, ApiKeyPostgresUsers>();
        // The PostgreSQL wire front end: a second listener in this process when DataTier:Postgres:Port is set.
        Postgres.Hosting.PostgresServiceCollectionExtensions.AddDataTierPostgres(services, configuration);
        // Tagged "ready": what /health/ready decides on (can this instance serve?). The nodes and Redis are shown in
        // /health/detailed only: a node down degrades a shard, Redis down degrades the cache, neither makes the
        // instance unable to serve.
        var health = services.AddHealthChecks()
            .AddCheck<Health.ReadinessHealthCheck>("topology", tags: [HealthEndpoints.ReadinessTag])
            .AddCheck<Health.NodesHealthCheck>("nodes")
            .AddCheck<Health.RedisHealthCheck>("redis");
        if (configuration["DataTier:Catalog:ConnectionString"] is { Length: > 0 } catalog)
        {
            // The maintained Npgsql check, bounded: the catalog must answer a trivial query within 2 s.
            health.AddNpgSql(catalog, name: "catalog", timeout: TimeSpan.FromSeconds(2), tags: [HealthEndpoints.ReadinessTag]);
        }

        services.TryAddSingleton<Core.Advice.Validation.ICanaryIndexBuilder, Advice.SafeCanaryIndexBuilder>();
        services.AddDataTierJobs(configuration);
        services.AddDataTierRateLimiting(configuration);
        services.AddDataTierCompression(configuration);
        Diagnostics.TracingExtensions.AddDataTierTracing(services, configuration);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddProblemDetails();
        services.AddDataTierOpenApi();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, Api.ServerJsonContext.Default));
    }

    private static void UsePipeline(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseMiddleware<StatusProblemMiddleware>();
        app.UseMiddleware<Diagnostics.HttpMetricsMiddleware>();
        // Inside the metrics, so a request's duration includes compressing its answer.
        app.UseDataTierCompression();
        app.UseMiddleware<ApiKeyAccessMiddleware>();
        if (app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.RequestsPerSecond > 0)
        {
            // Off (0): no limiter in the pipeline at all, not one that lets everything through.
            app.UseRateLimiter();
        }

        HealthEndpoints.Map(app);
        TopologyEndpoints.Map(app);
        ShardEndpoints.Map(app);
        DataEndpoints.Map(app);
        CacheEndpoints.Map(app);
        DbEndpoints.Map(app);
        AdviceEndpoints.Map(app);
        Dashboard.DashboardEndpoints.Map(app);
        ProblemPages.Map(app);
        app.MapDataTierOpenApi();
        app.MapHealthChecks("/health/detailed", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            ResponseWriter = Health.HealthReportWriter.WriteAsync,
            ResultStatusCodes =
            {
                [Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy] = 200,
                [Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded] = 200,
                [Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy] = 503,
            },
        }).WithTags("Health").WithName("GetHealthDetailed").WithSummary("Every node with its role, recovery state, timeline and lag")
            .WithDescription("200 while the catalog answers: 'healthy', or 'degraded' naming the shards with a node down; 503 when the catalog is down. For dashboards and people, not a probe.")
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, null, ["application/json"]), new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, null, ["application/json"]));
        app.MapMetrics("/metrics").WithTags("Health").WithName("GetMetrics").WithSummary("Prometheus metrics")
            .WithDescription("Prometheus text exposition; no key, and no SQL text or keys in labels.")
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, null, ["text/plain"]));
    }
}
