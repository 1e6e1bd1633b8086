using System.Collections.Concurrent;
using DataTier.Core.Topology;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Nodes;

/// <summary>
/// Two pooled <see cref="NpgsqlDataSource"/>s per node, created on first use: the data path's (statements prepared
/// automatically, no reset between uses, and the session defaults a request relies on set once per connection:
/// <c>default_transaction_read_only</c> on and <c>statement_timeout</c> at the data API's default) and an
/// administrative one (probes, inspection, index advice) with PostgreSQL's own defaults. A node id whose connection
/// string changes (a shard removed and added again under the same id, pointing elsewhere) gets new pools; the old
/// ones are closed at shutdown, since requests may still hold their connections. Both share one admission gate, so
/// a node never has more than <see cref="NodePoolOptions.MaxPoolSize"/> connections in use.
/// </summary>
public sealed class NodeDataSources : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (string ConnectionString, NodeRole Role, NpgsqlDataSource Source)> _sources = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string ConnectionString, NodeRole Role, NpgsqlDataSource Source)> _dataSources = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<NpgsqlDataSource> _retired = [];
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly NodePoolOptions _options;
    private readonly int _dataStatementTimeoutMs;

    /// <summary>Creates the registry.</summary>
    public NodeDataSources(IOptions<NodePoolOptions> options, IOptions<Execution.DataApiOptions> dataApi)
    {
        _options = options.Value;
        _dataStatementTimeoutMs = dataApi.Value.DefaultTimeoutMs;
    }

    /// <summary>
    /// The statement_timeout every data-path connection has as its session default (the data API's default timeout):
    /// a request with that timeout sets nothing per statement.
    /// </summary>
    public int DataStatementTimeoutMs => _dataStatementTimeoutMs;

    /// <summary>Pool settings in force.</summary>
    public NodePoolOptions Options => _options;

    /// <summary>The administrative data source of a node (PostgreSQL's session defaults).</summary>
    public NpgsqlDataSource Get(NodeDefinition node) => Get(_sources, node, dataPath: false);

    /// <summary>The data path's data source of a node: read-only by default, statement_timeout preset, prepared statements kept.</summary>
    public NpgsqlDataSource GetDataPath(NodeDefinition node) => Get(_dataSources, node, dataPath: true);

    /// <summary>Closes the idle connections of both of a node's pools (after the node failed).</summary>
    public void Clear(NodeDefinition node)
    {
        Get(node).Clear();
        GetDataPath(node).Clear();
    }

    private NpgsqlDataSource Get(ConcurrentDictionary<string, (string ConnectionString, NodeRole Role, NpgsqlDataSource Source)> sources, NodeDefinition node, bool dataPath)
    {
        if (sources.TryGetValue(node.Id, out var entry) && Same(entry, node))
        {
            return entry.Source;
        }

        lock (sources)
        {
            if (sources.TryGetValue(node.Id, out entry))
            {
                if (Same(entry, node))
                {
                    return entry.Source;
                }

                // The id now names another server (a followed failover) or role: the old pool's idle connections
                // are closed now, so nothing reaches the replaced server through them; ones in use close on return.
                entry.Source.Clear();
                _retired.Add(entry.Source);
            }

            var source = Create(node, _options, dataPath ? _dataStatementTimeoutMs : null);
            sources[node.Id] = (node.ConnectionString, node.Role, source);
            return source;
        }
    }

    /// <summary>
    /// Opens a pooled connection to a node. The wait for a free slot is bounded by
    /// <see cref="NodePoolOptions.ConnectionWaitMs"/>: past it the request is refused with
    /// <see cref="Errors.DataTierErrorKind.PoolExhausted"/> instead of queueing without end.
    /// </summary>
    public ValueTask<NodeConnection> OpenAsync(NodeDefinition node, CancellationToken cancellationToken) => OpenAsync(node, dataPath: false, cancellationToken);

    /// <summary>Opens a pooled connection of the data path (see <see cref="GetDataPath"/>), under the same admission gate.</summary>
    public ValueTask<NodeConnection> OpenDataPathAsync(NodeDefinition node, CancellationToken cancellationToken) => OpenAsync(node, dataPath: true, cancellationToken);

    private async ValueTask<NodeConnection> OpenAsync(NodeDefinition node, bool dataPath, CancellationToken cancellationToken)
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
            var connection = (dataPath ? GetDataPath(node) : Get(node)).CreateConnection();
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return new NodeConnection(connection, gate);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    // A node's pools are rebuilt when its connection string or its role changes (a replica promoted to primary must
    // not keep read-only session defaults).
    private static bool Same((string ConnectionString, NodeRole Role, NpgsqlDataSource Source) entry, NodeDefinition node) =>
        entry.Role == node.Role && string.Equals(entry.ConnectionString, node.ConnectionString, StringComparison.Ordinal);

    /// <summary>Connections in use per node (from the admission gates).</summary>
    public int InUse(string nodeId) => _gates.TryGetValue(nodeId, out var g) ? _options.MaxPoolSize - g.CurrentCount : 0;

    private static NpgsqlDataSource Create(NodeDefinition node, NodePoolOptions options, int? dataStatementTimeoutMs)
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
        if (dataStatementTimeoutMs is int timeout)
        {
            // The data path sets no session state (only SET LOCAL inside its own transactions) and ends every
            // transaction it begins, so the reset between uses is pure cost; it would also drop prepared statements.
            builder.NoResetOnClose = true;
            builder.MaxAutoPrepare = 256;
            builder.AutoPrepareMinUsages = 2;
            // A request at the default timeout needs no SET LOCAL. On a replica a read needs no BEGIN READ ONLY either
            // (the session default says it, beside recovery); on a primary the session stays read-write so that a
            // single-statement write runs in autocommit, and reads there begin READ ONLY themselves.
            string statementTimeout = "-c statement_timeout=" + timeout.ToString(System.Globalization.CultureInfo.InvariantCulture);
            builder.Options = node.Role == NodeRole.Replica ? "-c default_transaction_read_only=on " + statementTimeout : statementTimeout;
            builder.ApplicationName = "datatier-data";
        }

        var dsBuilder = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        dsBuilder.Name = dataStatementTimeoutMs is null ? node.Id : node.Id + "/data";
        return dsBuilder.Build();
    }

    /// <summary>Pool statistics of every node created so far.</summary>
    public IEnumerable<(string NodeId, NpgsqlDataSource Source)> All =>
        _sources.Select(kv => (kv.Key, kv.Value.Source)).Concat(_dataSources.Select(kv => (kv.Key + "/data", kv.Value.Source)));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var (_, _, source) in _sources.Values)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var (_, _, source) in _dataSources.Values)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var source in _retired)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }

        _sources.Clear();
        _dataSources.Clear();
    }
}
