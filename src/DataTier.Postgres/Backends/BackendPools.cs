using System.Collections.Concurrent;
using DataTier.Core.Topology;
using DataTier.Postgres.Diagnostics;
using DataTier.Postgres.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataTier.Postgres.Backends;

/// <summary>One <see cref="BackendPool"/> per node, created on first use and replaced when a node's connection string changes.</summary>
internal sealed class BackendPools : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, BackendPool> _pools = new(StringComparer.Ordinal);
    private readonly PostgresOptions _options;
    private readonly TimeProvider _time;
    private readonly WireMetrics _metrics;
    private readonly ILogger<BackendPools> _logger;
    private volatile IReadOnlyDictionary<string, string>? _serverParameters;

    public BackendPools(IOptions<PostgresOptions> options, TimeProvider time, WireMetrics metrics, ILogger<BackendPools> logger)
    {
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The ParameterStatus values of the first backend connection opened (server_version, TimeZone...), or null.</summary>
    public IReadOnlyDictionary<string, string>? ServerParameters => _serverParameters;

    public BackendPool Get(NodeDefinition node)
    {
        if (_pools.TryGetValue(node.Id, out var pool) && pool.Node.ConnectionString == node.ConnectionString)
        {
            return pool;
        }

        var created = new BackendPool(node, _options, _time, _metrics, _logger) { Connected = Remember };
        var current = _pools.AddOrUpdate(node.Id, created, (_, existing) => existing.Node.ConnectionString == node.ConnectionString ? existing : created);
        if (!ReferenceEquals(current, created))
        {
            return current;
        }

        if (pool is not null)
        {
            // The node moved or rotated credentials: idle connections of the old pool close; leased ones close on return.
            _ = pool.DisposeAsync().AsTask();
        }

        return created;
    }

    private void Remember(IReadOnlyDictionary<string, string> parameters) =>
        _serverParameters ??= new Dictionary<string, string>(parameters, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in _pools.Values)
        {
            await pool.DisposeAsync().ConfigureAwait(false);
        }
    }
}
