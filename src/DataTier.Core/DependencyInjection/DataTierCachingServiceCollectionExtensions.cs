using DataTier.Core.Caching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DataTier.Core.DependencyInjection;

/// <summary>Registers the query-result cache.</summary>
public static class DataTierCachingServiceCollectionExtensions
{
    /// <summary>Adds L1/L2 caching, table versions, plan profiling and write invalidation.</summary>
    public static IServiceCollection AddDataTierCaching(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptionsWithValidateOnStart<CacheOptions>().Bind(configuration.GetSection(CacheOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CacheOptions>, CacheOptionsValidator>());
        services.AddOptions<RedisOptions>().Bind(configuration.GetSection(RedisOptions.SectionName));
        services.TryAddSingleton<CacheMetrics>();
        services.TryAddSingleton<CacheStats>();
        services.TryAddSingleton<RedisConnection>();
        services.TryAddSingleton<TableVersions>();
        services.TryAddSingleton<QueryCache>();
        services.TryAddSingleton<StatementProfiler>();
        services.TryAddSingleton<TtlPolicy>();
        services.TryAddSingleton<WarmupSamples>();
        services.TryAddSingleton<CachedReader>();
        services.TryAddSingleton<EncodedResultCache>();
        services.TryAddSingleton<WriteInvalidator>();
        services.TryAddSingleton<DataPath.DataGateway>();
        return services;
    }
}
