using DataTier.Core.Rebalancing;
using DataTier.Core.Topology;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DataTier.Core.DependencyInjection;

/// <summary>Registers where the topology comes from, the rebalancing planner and the shards' ownership guard.</summary>
public static class DataTierTopologyServiceCollectionExtensions
{
    /// <summary>
    /// With <c>DataTier:Topology:Store</c> = <c>Catalog</c>, routes by the catalog's versioned topology (seeded from
    /// configuration); registered before the core services so it wins over the configured provider. Call it before
    /// <c>AddDataTierCore</c>, after anything that must see the catalog's schema first.
    /// </summary>
    public static IServiceCollection AddDataTierTopology(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<RebalancePlanner>();
        services.TryAddSingleton<RebalanceCheck>();
        services.TryAddSingleton<Rebalancing.Moves.MoveStore>();
        services.TryAddSingleton<Rebalancing.Moves.RebalanceMoves>();
        services.AddOptionsWithValidateOnStart<RebalancingOptions>().Bind(configuration.GetSection(RebalancingOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<RebalancingOptions>, RebalancingOptionsValidator>());
        var store = configuration.GetValue<TopologyStore?>($"{TopologyOptions.SectionName}:Store") ?? TopologyStore.Configuration;
        if (store != TopologyStore.Catalog)
        {
            return services;
        }

        if (string.IsNullOrWhiteSpace(configuration["DataTier:Catalog:ConnectionString"]))
        {
            throw new InvalidOperationException("DataTier:Topology:Store is Catalog, but DataTier:Catalog:ConnectionString is empty: the topology needs a catalog database.");
        }

        services.TryAddSingleton<CatalogTopologyStore>();
        services.TryAddSingleton<CatalogTopologyProvider>();
        services.TryAddSingleton<ITopologyProvider>(static sp => sp.GetRequiredService<CatalogTopologyProvider>());
        services.AddHostedService(static sp => sp.GetRequiredService<CatalogTopologyProvider>());
        services.TryAddSingleton<Failover.IPromotionRecorder, Failover.CatalogPromotionRecorder>();
        // A planned switchover writes the topology, so it exists only where the topology lives in the catalog.
        services.AddOptionsWithValidateOnStart<Switchover.SwitchoverOptions>().Bind(configuration.GetSection(Switchover.SwitchoverOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<Switchover.SwitchoverOptions>, Switchover.SwitchoverOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<Switchover.SwitchoverOptions>, Switchover.PatroniPromoterOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Switchover.IPromoter, Switchover.PgPromotePromoter>());
        services.AddOptions<Switchover.PatroniPromoterOptions>().Bind(configuration.GetSection(Switchover.PatroniPromoterOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Switchover.IPromoter, Switchover.PatroniPromoter>());
        services.TryAddSingleton<Switchover.ShardSwitchover>();
        services.TryAddSingleton<Rebalancing.Moves.RebalanceRunner>();
        services.AddHostedService(static sp => sp.GetRequiredService<Rebalancing.Moves.RebalanceRunner>());
        // The guard needs the catalog's list of sharded tables, so it runs where the topology lives in the catalog.
        services.TryAddSingleton<Ownership.OwnershipGuardSynchronizer>();
        services.TryAddSingleton<Ownership.OwnershipVerifier>();
        services.AddHostedService(static sp => sp.GetRequiredService<Ownership.OwnershipGuardSynchronizer>());
        return services;
    }
}
