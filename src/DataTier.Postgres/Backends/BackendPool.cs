using System.Collections.Concurrent;
using DataTier.Core.Topology;
using DataTier.Postgres.Diagnostics;
using DataTier.Postgres.Hosting;
using DataTier.Postgres.Protocol;
using DataTier.Postgres.Sessions;
using Microsoft.Extensions.Logging;

namespace DataTier.Postgres.Backends;

/// <summary>
/// The raw backend connections to one node: at most <see cref="PostgresOptions.BackendPoolSize"/>, idle ones reused
/// last-in first-out (warm caches), a bounded wait for a free one, and broken or old ones closed on return.
/// </summary>
internal sealed class BackendPool : IAsyncDisposable
{
    private readonly PostgresOptions _options;
    private readonly TimeProvider _time;
    private readonly WireMetrics _metrics;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentStack<BackendConnection> _idle = new();
    private int _open;

    public BackendPool(NodeDefinition node, PostgresOptions options, TimeProvider time, WireMetrics metrics, ILogger logger)
    {
        Node = node;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _slots = new SemaphoreSlim(options.BackendPoolSize, options.BackendPoolSize);
    }

    public NodeDefinition Node { get; }

    /// <summary>Called with the first connection's ParameterStatus values (server_version and friends).</summary>
    public Action<IReadOnlyDictionary<string, string>>? Connected { get; init; }

    public async ValueTask<BackendConnection> RentAsync(CancellationToken cancellationToken)
    {
        if (!await _slots.WaitAsync(_options.BackendWaitMs, cancellationToken).ConfigureAwait(false))
        {
            throw new WireException(
                SqlState.TooManyConnections,
                $"No backend connection to node {Node.Id} was free within {_options.BackendWaitMs} ms; every one of the pool's {_options.BackendPoolSize} is in use.",
                $"Retry, or raise {PostgresOptions.SectionName}:BackendPoolSize (currently {_options.BackendPoolSize}) or BackendWaitMs (currently {_options.BackendWaitMs}).");
        }

        try
        {
            long now = _time.GetTimestamp();
            while (_idle.TryPop(out var idle))
            {
                if (!idle.IsBroken && _time.GetElapsedTime(idle.CreatedAt, now).TotalSeconds < _options.BackendLifetimeSeconds)
                {
                    return idle;
                }

                await CloseAsync(idle).ConfigureAwait(false);
            }

            return await OpenAsync(now, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Gives a connection back; one that is broken, not idle or old is closed instead of kept.</summary>
    public async ValueTask ReturnAsync(BackendConnection connection, bool idle)
    {
        try
        {
            if (connection.IsBroken || !idle || connection.Prepared.Count > 4 * _options.MaxPreparedStatementsPerClient)
            {
                await CloseAsync(connection).ConfigureAwait(false);
            }
            else
            {
                _idle.Push(connection);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<BackendConnection> OpenAsync(long now, CancellationToken cancellationToken)
    {
        BackendConnection connection;
        try
        {
            connection = await BackendConnection.OpenAsync(Node, TimeSpan.FromMilliseconds(_options.BackendConnectTimeoutMs), now, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BackendException or IOException or System.Net.Sockets.SocketException or OperationCanceledException or PostgresProtocolException)
        {
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            string reason = e is OperationCanceledException ? $"no answer within {_options.BackendConnectTimeoutMs} ms" : e.Message;
            WireLog.BackendConnectFailed(_logger, Node.Id, Node.Endpoint, reason);
            throw new WireException(
                e is BackendException { SqlState: "57P03" } ? SqlState.CannotConnectNow : SqlState.ConnectionFailure,
                $"Shard {Node.ShardId} is unavailable: DataTier could not connect to its node {Node.Id} ({(e is OperationCanceledException ? "timed out" : e.GetType().Name)}).",
                "Retry shortly; the server log names the cause.");
        }

        Interlocked.Increment(ref _open);
        _metrics.BackendsOpen.WithLabels(Node.Id).Inc();
        WireLog.BackendConnected(_logger, Node.Id, connection.ProcessId);
        Connected?.Invoke(connection.ServerParameters);
        return connection;
    }

    private async ValueTask CloseAsync(BackendConnection connection)
    {
        Interlocked.Decrement(ref _open);
        _metrics.BackendsOpen.WithLabels(Node.Id).Dec();
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryPop(out var idle))
        {
            await CloseAsync(idle).ConfigureAwait(false);
        }
    }
}
