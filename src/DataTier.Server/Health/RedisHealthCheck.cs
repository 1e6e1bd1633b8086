using System.Diagnostics;
using DataTier.Core.Caching;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace DataTier.Server.Health;

/// <summary>Redis (L2 and invalidation): degraded, not unhealthy, when down, since DataTier fails open to L1.</summary>
public sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConfigured)
        {
            return HealthCheckResult.Healthy("Not configured: the cache runs on L1 only.");
        }

        if (redis.Database is not { } db)
        {
            return HealthCheckResult.Degraded("Not connected; serving from L1 and the database while it reconnects.");
        }

        try
        {
            var started = Stopwatch.GetTimestamp();
            await db.PingAsync().WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
            return HealthCheckResult.Healthy("Connected.", new Dictionary<string, object> { ["latencyMs"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3) });
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Degraded($"Ping failed ({ex.GetType().Name}); serving from L1 and the database.");
        }
    }
}
