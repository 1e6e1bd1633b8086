using System.Collections.Concurrent;
using DataTier.Core.Topology;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Nodes;

/// <summary>
/// One pooled <see cref="NpgsqlDataSource"/> per node, created on first use. A node id whose connection string changes
/// (a shard removed and added again under the same id, pointing elsewhere) gets a new pool; the old one is closed at
/// shutdown, since requests may still hold its connections.
/// </summary>
public sealed class NodeDataSources : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (string ConnectionString, NpgsqlDataSource Source)> _sources = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<NpgsqlDataSource> _retired = [];
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly NodePoolOptions _options;

    /// <summary>Creates the registry.</summary>
    public NodeDataSources(IOptions<NodePoolOptions> options) => _options = options.Value;

    /// <summary>Pool settings in force.</summary>
    public NodePoolOptions Options => _options;

    /// <summary>The data source of a node.</summary>
    public NpgsqlDataSource Get(NodeDefinition node)
    {
        if (_sources.TryGetValue(node.Id, out var entry) && string.Equals(entry.ConnectionString, node.ConnectionString, StringComparison.Ordinal))
        {
            return entry.Source;
        }

        lock (_sources)
        {
            if (_sources.TryGetValue(node.Id, out entry))
            {
                if (string.Equals(entry.ConnectionString, node.ConnectionString, StringComparison.Ordinal))
                {
                    return entry.Source;
                }

                _retired.Add(entry.Source);
            }

            var source = Create(node, _options);
            _sources[node.Id] = (node.ConnectionString, source);
            return source;
        }
    }

    /// <summary>
    /// Opens a pooled connection to a node. The wait for a free slot is bounded by
    /// <see cref="NodePoolOptions.ConnectionWaitMs"/>: past it the request is refused with
    /// <see cref="Errors.DataTierErrorKind.PoolExhausted"/> instead of queueing without end.
    /// </summary>
    public async ValueTask<NodeConnection> OpenAsync(NodeDefinition node, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(node.Id, static (_, max) => new SemaphoreSlim(max, max), _options.MaxPoolSize);
        if (!await gate.WaitAsync(_options.ConnectionWaitMs, cancellationToken).ConfigureAwait(false))
        {
            throw new Errors.DataTierException(
                Errors.DataTierErrorKind.PoolExhausted,
                "pool-exhausted",
                $"All {_options.MaxPoolSize} connections to shard '{node.ShardId}' are busy; retry later or raise DataTier:Pool:MaxPoolSize (currently {_options.MaxPoolSize}).")
            {
                ShardId = node.ShardId,
                RetryAfterSeconds = 1,
            };
        }

        try
        {
            var connection = Get(node).CreateConnection();
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return new NodeConnection(connection, gate);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    /// <summary>Connections in use per node (from the admission gates).</summary>
    public int InUse(string nodeId) => _gates.TryGetValue(nodeId, out var g) ? _options.MaxPoolSize - g.CurrentCount : 0;

    private static NpgsqlDataSource Create(NodeDefinition node, NodePoolOptions options)
    {
        var builder = new NpgsqlConnectionStringBuilder(node.ConnectionString)
        {
            MaxPoolSize = options.MaxPoolSize,
            MinPoolSize = options.MinPoolSize,
            ApplicationName = "datatier",
            Timeout = Math.Max(1, (int)Math.Ceiling(options.ConnectTimeoutMs / 1000.0)),
            // Pool exhaustion must answer fast: the wait for a free connection is bounded by the caller's token.
            Pooling = true,
            NoResetOnClose = false,
        };
        var dsBuilder = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        dsBuilder.Name = node.Id;
        return dsBuilder.Build();
    }

    /// <summary>Pool statistics of every node created so far.</summary>
    public IEnumerable<(string NodeId, NpgsqlDataSource Source)> All => _sources.Select(kv => (kv.Key, kv.Value.Source));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var (_, source) in _sources.Values)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var source in _retired)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }

        _sources.Clear();
    }
}
