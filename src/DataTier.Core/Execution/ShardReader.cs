using System.Diagnostics;
using DataTier.Core.Consistency;
using DataTier.Core.Diagnostics;
using DataTier.Core.Errors;
using DataTier.Core.Health;
using DataTier.Core.Routing;
using DataTier.Core.Topology;
using Microsoft.Extensions.Logging;

namespace DataTier.Core.Execution;

/// <summary>
/// Reads one shard: picks the node the consistency level and the minimum LSN allow, runs the statement there, and
/// retries once on another node when a replica fails to connect. Counts each read in the metrics and the digest.
/// </summary>
public sealed partial class ShardReader
{
    private readonly ReadRouter _router;
    private readonly ShardExecutor _executor;
    private readonly NodeHealthMonitor _health;
    private readonly QueryDigest _digest;
    private readonly DataTierMetrics _metrics;
    private readonly ILogger<ShardReader> _logger;

    /// <summary>Creates the reader.</summary>
    public ShardReader(ReadRouter router, ShardExecutor executor, NodeHealthMonitor health, QueryDigest digest, DataTierMetrics metrics, ILogger<ShardReader> logger)
    {
        _router = router;
        _executor = executor;
        _health = health;
        _digest = digest;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>
    /// Runs a read on a shard; with a non-zero <paramref name="minLsn"/> only a node that has reached it serves. With
    /// <paramref name="snapshotLsn"/> the result records the node's LSN from before the query (cache fills need it).
    /// </summary>
    public async Task<ReadOutcome> ReadAsync(ShardDefinition shard, BoundStatement statement, ConsistencyLevel consistency, ulong minLsn, int maxRows, int timeoutMs, bool snapshotLsn, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var target = _router.Route(shard, consistency, minLsn);
        try
        {
            var result = await ReadNodeAsync(target, statement, minLsn, maxRows, timeoutMs, snapshotLsn, cancellationToken).ConfigureAwait(false);
            return new ReadOutcome(result, shard.Id, target, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (DataTierException ex) when (ex.Kind == DataTierErrorKind.ShardUnavailable && target.Node.Role == NodeRole.Replica)
        {
            // A replica failed to connect or dropped the connection: take it out of rotation and retry once elsewhere.
            _health.ReportConnectionFailure(target.Node, ex.InnerException ?? ex);
            Log.ReadRetried(_logger, target.Node.Id, shard.Id);
            var retry = _router.Route(shard, consistency, minLsn, exclude: target.Node);
            var result = await ReadNodeAsync(retry, statement, minLsn, maxRows, timeoutMs, snapshotLsn, cancellationToken).ConfigureAwait(false);
            return new ReadOutcome(result, shard.Id, retry, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private async Task<QueryResult> ReadNodeAsync(ReadTarget target, BoundStatement statement, ulong minLsn, int maxRows, int timeoutMs, bool snapshotLsn, CancellationToken cancellationToken)
    {
        using var lease = _router.Outstanding.Begin(target.Node.Id);
        // Null unless a tracer listens; a retry on another node gets a span of its own.
        using var activity = DataTierTracing.Source.StartActivity(DataTierTracing.Spans.ShardQuery, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            TagQuery(activity, target.Node, statement, minLsn);
        }

        long started = Stopwatch.GetTimestamp();
        var role = target.Node.Role == NodeRole.Primary ? DigestRole.Primary : DigestRole.Replica;
        string roleLabel = target.Node.Role == NodeRole.Primary ? "primary" : "replica";
        try
        {
            var result = await _executor.ReadAsync(target.Node, statement, maxRows, timeoutMs, snapshotLsn, cancellationToken).ConfigureAwait(false);
            double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            _metrics.QueryDuration.WithLabels(target.Node.ShardId, roleLabel, "read").Observe(elapsed / 1000);
            _digest.Record(statement.FingerprintId, statement.Fingerprint, statement.Sql, target.Node.ShardId, role, elapsed, result.Rows.Count, error: false);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(DataTierTracing.Tags.Rows, result.Rows.Count);
            }

            return result;
        }
        catch (DataTierException ex)
        {
            _metrics.QueryErrors.WithLabels(target.Node.ShardId, DataTierMetrics.ErrorClass(ex)).Inc();
            _digest.Record(statement.FingerprintId, statement.Fingerprint, statement.Sql, target.Node.ShardId, role, Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0, error: true);
            DataTierTracing.Fail(activity, ex);
            if (ex.Kind == DataTierErrorKind.ShardUnavailable && target.Node.Role == NodeRole.Primary)
            {
                _health.ReportConnectionFailure(target.Node, ex.InnerException ?? ex);
            }

            throw;
        }
    }

    private static void TagQuery(Activity activity, NodeDefinition node, BoundStatement statement, ulong minLsn)
    {
        activity.SetTag(DataTierTracing.Tags.DbSystem, "postgresql");
        activity.SetTag(DataTierTracing.Tags.ShardId, node.ShardId);
        activity.SetTag(DataTierTracing.Tags.NodeId, node.Id);
        activity.SetTag(DataTierTracing.Tags.NodeRole, node.Role == NodeRole.Primary ? "primary" : "replica");
        activity.SetTag(DataTierTracing.Tags.RequiredLsn, (long)minLsn);
        activity.SetTag(DataTierTracing.Tags.DbQueryText, statement.Fingerprint);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.ReadRetried, EventName = "ReadRetried", Level = LogLevel.Warning, Message = "Read on {NodeId} of shard {ShardId} failed to connect; retried on another node")]
        public static partial void ReadRetried(ILogger logger, string nodeId, string shardId);
    }
}
