using System.Data;
using System.Diagnostics;
using DataTier.Core.Diagnostics;
using DataTier.Core.Errors;
using DataTier.Core.Health;
using DataTier.Core.Idempotency;
using DataTier.Core.Topology;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Execution;

/// <summary>
/// Writes to the primary of the shard that owns a key, all or nothing, and waits out a rebalancing fence: a write to
/// a fenced range is refused by the shard before anything is written, so it is sent again (to the same shard once
/// the fence lifts, or to the new owner once the move switches the range), each time routed by the newest topology.
/// </summary>
public sealed class ShardWriter
{
    private readonly ITopologyProvider _topology;
    private readonly ShardExecutor _executor;
    private readonly NodeHealthMonitor _health;
    private readonly DataApiOptions _options;
    private readonly QueryDigest _digest;
    private readonly DataTierMetrics _metrics;
    private readonly FenceSightings _fences = new(TimeProvider.System);

    /// <summary>Creates the writer.</summary>
    public ShardWriter(ITopologyProvider topology, ShardExecutor executor, NodeHealthMonitor health, IOptions<DataApiOptions> options, QueryDigest digest, DataTierMetrics metrics)
    {
        _topology = topology;
        _executor = executor;
        _health = health;
        _options = options.Value;
        _digest = digest;
        _metrics = metrics;
    }

    /// <summary>Runs statements in one transaction on the key's shard primary.</summary>
    /// <remarks>With <paramref name="idempotency"/>, see <see cref="ShardExecutor.WriteAsync"/>; a retry after a fence rolls the key row back with the write.</remarks>
    public async Task<CommittedWrite> WriteAsync(string shardKey, IReadOnlyList<BoundStatement> statements, IsolationLevel isolation, int maxRows, int timeoutMs, IdempotencyKey? idempotency, CancellationToken cancellationToken)
    {
        long held = 0;
        int pauseMs = 2;
        int rerouted = 0;
        if (idempotency is not null && idempotency.ShardKey is null)
        {
            idempotency = idempotency with { ShardKey = shardKey };
        }

        while (true)
        {
            var shard = _topology.Current.Route(shardKey);
            try
            {
                var write = await WriteShardAsync(shard, statements, isolation, maxRows, timeoutMs, idempotency, cancellationToken).ConfigureAwait(false);
                _fences.Cleared(shard.Primary.Endpoint);
                if (held != 0)
                {
                    _metrics.FencedWriteWait.Observe(Stopwatch.GetElapsedTime(held).TotalSeconds);
                }

                return write;
            }
            catch (DataTierException ex) when (ex.Kind == DataTierErrorKind.WrongShard)
            {
                // The shard's guard follows the catalog, which may be a version ahead of this instance's topology (a
                // move just switched the range): if the newest topology routes the key elsewhere, the write was only
                // sent by a stale ring. If it still routes here, the rows disagree with their shard key.
                _metrics.WrongShardRefusals.WithLabels(shard.Id).Inc();
                if (rerouted++ >= MaxReroutes || !await RoutedElsewhereAsync(shardKey, shard.Id, cancellationToken).ConfigureAwait(false))
                {
                    throw;
                }
            }
            catch (DataTierException ex) when (ex.Kind == DataTierErrorKind.RangeMoving
                || (ex.Kind == DataTierErrorKind.ShardUnavailable && _fences.SeenWithin(shard.Primary.Endpoint, _options.FencedWriteWaitMs)))
            {
                // (A fenced primary that went away, see FenceSightings: held the same way, until the topology moves on.)
                if (ex.Kind == DataTierErrorKind.RangeMoving)
                {
                    _fences.Seen(shard.Primary.Endpoint);
                }

                held = held == 0 ? Stopwatch.GetTimestamp() : held;
                if (Stopwatch.GetElapsedTime(held).TotalMilliseconds >= _options.FencedWriteWaitMs)
                {
                    _metrics.FencedWriteWait.Observe(Stopwatch.GetElapsedTime(held).TotalSeconds);
                    throw;
                }

                _metrics.FencedWriteRetries.Inc();
                await Task.Delay(pauseMs, cancellationToken).ConfigureAwait(false);
                pauseMs = Math.Min(pauseMs * 2, 50);
                await TryRefreshTopologyAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // A key's route changes once per switch; a second change during one write is already unlikely.
    private const int MaxReroutes = 3;

    private async Task<bool> RoutedElsewhereAsync(string shardKey, string refusedBy, CancellationToken cancellationToken)
    {
        await TryRefreshTopologyAsync(cancellationToken).ConfigureAwait(false);
        return !string.Equals(_topology.Current.Route(shardKey).Id, refusedBy, StringComparison.Ordinal);
    }

    // With the catalog out of reach the write is judged (or retried) by the topology this instance has; the poll
    // and the next retry try again.
    private async Task TryRefreshTopologyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _topology.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception refresh) when (refresh is Npgsql.NpgsqlException or TimeoutException or InvalidDataException or System.Text.Json.JsonException)
        {
        }
    }

    private async Task<CommittedWrite> WriteShardAsync(ShardDefinition shard, IReadOnlyList<BoundStatement> statements, IsolationLevel isolation, int maxRows, int timeoutMs, IdempotencyKey? idempotency, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            var write = await _executor.WriteAsync(shard, statements, isolation, maxRows, timeoutMs, idempotency, cancellationToken).ConfigureAwait(false);
            double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            _metrics.QueryDuration.WithLabels(shard.Id, "primary", "write").Observe(elapsed / 1000);
            if (write.Replayed)
            {
                // Nothing ran: the digest counts executions of the statements, not answers.
                return write;
            }

            // A transaction's time is shared evenly among its statements: the digest counts calls per shape.
            for (int i = 0; i < statements.Count; i++)
            {
                _digest.Record(statements[i].FingerprintId, statements[i].Fingerprint, statements[i].Sql, shard.Id, DigestRole.Primary, elapsed / statements.Count, write.Results[i].RowsAffected, error: false);
            }

            return write;
        }
        catch (DataTierException ex) when (ex.Kind != DataTierErrorKind.IdempotencyKeyReused)
        {
            // (A reused key ran nothing on the shard: it is the caller's error, not the statements' or the shard's.)
            _metrics.QueryErrors.WithLabels(shard.Id, DataTierMetrics.ErrorClass(ex)).Inc();
            double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            foreach (var statement in statements)
            {
                _digest.Record(statement.FingerprintId, statement.Fingerprint, statement.Sql, shard.Id, DigestRole.Primary, elapsed / statements.Count, 0, error: true);
            }

            if (ex.Kind == DataTierErrorKind.ShardUnavailable)
            {
                _health.ReportConnectionFailure(shard.Primary, ex.InnerException ?? ex);
            }

            throw;
        }
    }
}
