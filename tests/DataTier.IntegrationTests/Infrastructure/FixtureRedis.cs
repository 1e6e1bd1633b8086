namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>The single Redis that <see cref="ClusterFixture"/> starts, which every server uses by default.</summary>
public sealed class FixtureRedis(ClusterFixture fixture) : IRedisUnderTest
{
    /// <inheritdoc />
    public IDictionary<string, string?>? ServerSettings => null;

    /// <inheritdoc />
    public bool IsRunning => fixture.Cluster.IsRedisRunning;

    /// <inheritdoc />
    public Task StopAsync() => fixture.Cluster.StopRedisAsync();

    /// <inheritdoc />
    public Task StartAsync() => fixture.Cluster.StartRedisAsync();
}
