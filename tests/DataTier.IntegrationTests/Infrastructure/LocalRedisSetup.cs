namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// A Redis setup (a cluster, a Sentinel group) built from <see cref="LocalRedisNodes"/> for a test class: started
/// once, stopped and started whole for outage tests, every process stopped by its PID at the end.
/// </summary>
public abstract class LocalRedisSetup(string directoryPrefix) : IAsyncLifetime, IRedisUnderTest
{
    private LocalRedisNodes? _nodes;

    /// <inheritdoc />
    public abstract IDictionary<string, string?>? ServerSettings { get; }

    /// <inheritdoc />
    public bool IsRunning => _nodes?.AllRunning == true;

    /// <summary>The processes.</summary>
    protected LocalRedisNodes Nodes => _nodes ?? throw new InvalidOperationException("The Redis setup has not been started.");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _nodes = new LocalRedisNodes(Path.Combine(Path.GetTempPath(), directoryPrefix + Guid.NewGuid().ToString("N")[..12]));
        await StartNodesAsync();
        await WaitHealthyAsync();
    }

    /// <inheritdoc />
    public Task StopAsync() => Nodes.StopAllAsync();

    /// <inheritdoc />
    public async Task StartAsync()
    {
        // The same ports, arguments and directories: a cluster's nodes keep their nodes.conf (ids, slots, roles) and,
        // without persistence, lose their data, as a restart would.
        await Nodes.StartAllAsync();
        await WaitHealthyAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_nodes is not null)
        {
            await _nodes.DisposeAsync();
        }
    }

    /// <summary>Starts the processes the first time and joins them up.</summary>
    protected abstract Task StartNodesAsync();

    /// <summary>Waits until the setup serves (and can fail over).</summary>
    protected abstract Task WaitHealthyAsync();
}
