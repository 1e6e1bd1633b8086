using DataTier.Core.Consistency;
using DataTier.Core.Execution;
using DataTier.Core.Health;
using DataTier.Core.Nodes;
using DataTier.Core.Replicas;
using DataTier.Core.Routing;
using DataTier.Core.Topology;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DataTier.Core.DependencyInjection;

/// <summary>Registers DataTier's core services.</summary>
public static class DataTierServiceCollectionExtensions
{
    /// <summary>
    /// Adds topology, node pools, health probing, routing and execution, with options bound from
    /// <paramref name="configuration"/> and validated at start-up. Every step is a TryAdd, so anything can be replaced.
    /// </summary>
    public static IServiceCollection AddDataTierCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptionsWithValidateOnStart<TopologyOptions>().Bind(configuration.GetSection(TopologyOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TopologyOptions>, TopologyOptionsValidator>());
        services.AddOptionsWithValidateOnStart<NodePoolOptions>().Bind(configuration.GetSection(NodePoolOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NodePoolOptions>, NodePoolOptionsValidator>());
        services.AddOptionsWithValidateOnStart<HealthOptions>().Bind(configuration.GetSection(HealthOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthOptions>, HealthOptionsValidator>());
        services.AddOptionsWithValidateOnStart<DataApiOptions>().Bind(configuration.GetSection(DataApiOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DataApiOptions>, DataApiOptionsValidator>());
        services.AddOptionsWithValidateOnStart<TokenOptions>().Bind(configuration.GetSection(TokenOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TokenOptions>, TokenOptionsValidator>());
        services.AddOptionsWithValidateOnStart<RoutingOptions>().Bind(configuration.GetSection(RoutingOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>());

        services.AddOptionsWithValidateOnStart<Diagnostics.DigestOptions>().Bind(configuration.GetSection(Diagnostics.DigestOptions.SectionName));
        services.TryAddSingleton<Diagnostics.DataTierMetrics>();
        services.TryAddSingleton<Diagnostics.QueryDigest>();
        services.TryAddSingleton<Diagnostics.DatabaseInspector>();
        services.TryAddSingleton<Diagnostics.PerformanceSampler>();
        services.AddHostedService(static sp => sp.GetRequiredService<Diagnostics.PerformanceSampler>());
        services.TryAddSingleton<ITopologyProvider, ConfiguredTopologyProvider>();
        services.TryAddSingleton<NodeDataSources>();
        services.TryAddSingleton<NodeCircuitBreakers>();
        services.TryAddSingleton<NodeHealthMonitor>();
        services.AddHostedService(static sp => sp.GetRequiredService<NodeHealthMonitor>());
        services.AddOptionsWithValidateOnStart<Failover.FailoverOptions>().Bind(configuration.GetSection(Failover.FailoverOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Failover.FailoverOptions>, Failover.FailoverOptionsValidator>());
        // The catalog store registers its own recorder first (AddDataTierTopology); configuration follows in memory.
        services.TryAddSingleton<Failover.IPromotionRecorder, Failover.ConfiguredPromotionRecorder>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProbeRoundObserver, Failover.FailoverFollower>());
        services.TryAddSingleton<OutstandingRequests>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReplicaSelectionPolicy, LeastOutstandingPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReplicaSelectionPolicy, PowerOfTwoChoicesPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReplicaSelectionPolicy, RoundRobinPolicy>());
        services.TryAddSingleton<ReadRouter>();
        services.TryAddSingleton<ShardExecutor>();
        services.TryAddSingleton<SessionTokenCodec>();
        services.TryAddSingleton<ShardReader>();
        services.TryAddSingleton<ShardWriter>();
        services.TryAddSingleton<Idempotency.IdempotencySweeper>();
        services.AddHostedService(static sp => sp.GetRequiredService<Idempotency.IdempotencySweeper>());
        services.TryAddSingleton<Ownership.ShardedTables>();
        services.TryAddSingleton<ScatterReader>();

        services.AddOptions<Catalog.CatalogOptions>().Bind(configuration.GetSection(Catalog.CatalogOptions.SectionName));
        services.TryAddSingleton<Catalog.CatalogDatabase>();
        services.AddOptionsWithValidateOnStart<Advice.AdvisorOptions>().Bind(configuration.GetSection(Advice.AdvisorOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Advice.AdvisorOptions>, Advice.AdvisorOptionsValidator>());
        services.TryAddSingleton<Advice.AdviceStore>();
        services.TryAddSingleton<Advice.Validation.CanaryValidator>();
        services.TryAddSingleton<Advice.IndexAdvisor>();
        return services;
    }
}
