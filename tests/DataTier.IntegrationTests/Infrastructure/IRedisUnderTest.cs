namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// The Redis a cache test runs against (the fixture's single Redis, a Redis Cluster, Redis behind Sentinel), so the
/// same tests prove the cache on each.
/// </summary>
public interface IRedisUnderTest
{
    /// <summary>Settings that point a DataTier server at it; null for the fixture's own Redis (the default settings).</summary>
    IDictionary<string, string?>? ServerSettings { get; }

    /// <summary>Whether every process of it is running.</summary>
    bool IsRunning { get; }

    /// <summary>Stops all of it (an outage).</summary>
    Task StopAsync();

    /// <summary>Starts it again and waits until it serves.</summary>
    Task StartAsync();
}
