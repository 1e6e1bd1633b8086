using System.Data;
using System.Diagnostics;
using DataTier.Core.Consistency;
using DataTier.Core.Diagnostics;
using DataTier.Core.Errors;
using DataTier.Core.Health;
using DataTier.Core.Routing;
using DataTier.Core.Topology;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Execution;

/// <summary>
/// The data path: routes a keyed statement to its shard and node, retries a read once elsewhere after a
/// connection failure, fans reads out to every shard and merges them, and issues session tokens for writes.
/// </summary>
public sealed partial class DataService
{
    private readonly ITopologyProvider _topology;
    private readonly ReadRouter _router;
    private readonly ShardExecutor _executor;
    private readonly NodeHealthMonitor _health;
    private readonly DataApiOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DataService> _logger;
    private readonly QueryDigest _digest;
    private readonly DataTierMetrics _metrics;

    /// <summary>Creates the service.</summary>
    public DataService(ITopologyProvider topology, ReadRouter router, ShardExecutor executor, NodeHealthMonitor health, IOptions<DataApiOptions> options, TimeProvider time, ILogger<DataService> logger, QueryDigest digest, DataTierMetrics metrics)
    {
        _digest = digest;
        _metrics = metrics;
        _topology = topology;
        _router = router;
        _executor = executor;
        _health = health;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Limits in force.</summary>
    public DataApiOptions Options => _options;

    /// <summary>The shard that owns a key in the current topology.</summary>
    public ShardDefinition ShardFor(string shardKey) => _topology.Current.Route(shardKey);

    /// <summary>Runs a read on the key's shard.</summary>
    public Task<ReadOutcome> QueryAsync(string shardKey, BoundStatement statement, ConsistencyLevel consistency, SessionToken? token, int maxRows, int timeoutMs, CancellationToken cancellationToken)
    {
        var shard = ShardFor(shardKey);
        return QueryShardAsync(shard, statement, consistency, token?.LsnFor(shard.Id) ?? 0, maxRows, timeoutMs, cancellationToken);
    }

    /// <summary>Runs one write statement on the key's shard primary.</summary>
    public Task<CommittedWrite> ExecuteAsync(string shardKey, BoundStatement statement, int maxRows, int timeoutMs, CancellationToken cancellationToken) =>
        WriteKeyedAsync(shardKey, [statement], IsolationLevel.ReadCommitted, maxRows, timeoutMs, cancellationToken);

    /// <summary>Runs statements in one transaction on the key's shard primary.</summary>
    public Task<CommittedWrite> TransactionAsync(string shardKey, IReadOnlyList<BoundStatement> statements, IsolationLevel isolation, int maxRows, int timeoutMs, CancellationToken cancellationToken) =>
        WriteKeyedAsync(shardKey, statements, isolation, maxRows, timeoutMs, cancellationToken);

    // A write to a range a move has fenced is refused by the shard before anything is written (the whole transaction
    // rolls back), so it is safe to send again: to the same shard once the fence lifts, or to the new owner once the
    // move switches the range. Each retry routes by the newest topology.
    private async Task<CommittedWrite> WriteKeyedAsync(string shardKey, IReadOnlyList<BoundStatement> statements, IsolationLevel isolation, int maxRows, int timeoutMs, CancellationToken cancellationToken)
    {
        long held = 0;
        int pauseMs = 2;
        while (true)
        {
            try
            {
                var write = await WriteAsync(ShardFor(shardKey), statements, isolation, maxRows, timeoutMs, cancellationToken).ConfigureAwait(false);
                if (held != 0)
                {
                    _metrics.FencedWriteWait.Observe(Stopwatch.GetElapsedTime(held).TotalSeconds);
                }

                return write;
            }
            catch (DataTierException ex) when (ex.Kind == DataTierErrorKind.RangeMoving)
            {
                held = held == 0 ? Stopwatch.GetTimestamp() : held;
                if (Stopwatch.GetElapsedTime(held).TotalMilliseconds >= _options.FencedWriteWaitMs)
                {
                    _metrics.FencedWriteWait.Observe(Stopwatch.GetElapsedTime(held).TotalSeconds);
                    throw;
                }

                _metrics.FencedWriteRetries.Inc();
                await Task.Delay(pauseMs, cancellationToken).ConfigureAwait(false);
                pauseMs = Math.Min(pauseMs * 2, 50);
                try
                {
                    await _topology.RefreshAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception refresh) when (refresh is Npgsql.NpgsqlException or TimeoutException or InvalidDataException or System.Text.Json.JsonException)
                {
                    // The catalog is out of reach: the poll and the next retry try again.
                }
            }
        }
    }

    private async Task<CommittedWrite> WriteAsync(ShardDefinition shard, IReadOnlyList<BoundStatement> statements, IsolationLevel isolation, int maxRows, int timeoutMs, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            var write = await _executor.WriteAsync(shard, statements, isolation, maxRows, timeoutMs, cancellationToken).ConfigureAwait(false);
            double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            _metrics.QueryDuration.WithLabels(shard.Id, "primary", "write").Observe(elapsed / 1000);
            // A transaction's time is shared evenly among its statements: the digest counts calls per shape.
            for (int i = 0; i < statements.Count; i++)
            {
                _digest.Record(statements[i].FingerprintId, statements[i].Fingerprint, statements[i].Sql, shard.Id, DigestRole.Primary, elapsed / statements.Count, write.Results[i].RowsAffected, error: false);
            }

            return write;
        }
        catch (DataTierException ex)
        {
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

    /// <summary>A token that records a committed write on top of what the session had.</summary>
    public SessionToken Record(SessionToken? previous, CommittedWrite write) =>
        (previous ?? SessionToken.Empty).With(write.ShardId, write.CommitLsn, _time.GetUtcNow());

    /// <summary>
    /// Runs a read on every shard (bounded concurrency) and merges the rows. With <paramref name="orderBy"/> and a
    /// limit, each shard returns only its own top <paramref name="limit"/> rows in order and the merge is a k-way merge.
    /// </summary>
    public Task<ScatterOutcome> ScatterAsync(BoundStatement statement, IReadOnlyList<SortColumn> orderBy, int? limit, bool allowPartial, ConsistencyLevel consistency, SessionToken? token, int maxRows, int timeoutMs, CancellationToken cancellationToken) =>
        ScatterAsync(_topology.Current.Shards, statement, orderBy, limit, allowPartial, consistency, shard => token?.LsnFor(shard) ?? 0, maxRows, timeoutMs, cancellationToken);

    /// <summary>The shards a scatter read goes to now (one topology snapshot).</summary>
    public IReadOnlyList<ShardDefinition> ScatterShards() => _topology.Current.Shards;

    /// <summary>
    /// The statement each shard runs for a scatter read: with <paramref name="orderBy"/> or a limit, the caller's
    /// statement wrapped so each shard returns only its own first rows in the merge order.
    /// </summary>
    public static BoundStatement ShardStatement(BoundStatement statement, IReadOnlyList<SortColumn> orderBy, int? limit, int maxRows) =>
        orderBy.Count > 0 || limit is not null ? Wrap(statement, orderBy, Math.Min(limit ?? maxRows, maxRows)) : statement;

    /// <summary>
    /// Runs a read on the given shards; each shard's part is read at or after the LSN <paramref name="minLsnFor"/>
    /// names for it (0: any node).
    /// </summary>
    public async Task<ScatterOutcome> ScatterAsync(IReadOnlyList<ShardDefinition> shards, BoundStatement statement, IReadOnlyList<SortColumn> orderBy, int? limit, bool allowPartial, ConsistencyLevel consistency, Func<string, ulong> minLsnFor, int maxRows, int timeoutMs, CancellationToken cancellationToken)
    {
        int perShardLimit = Math.Min(limit ?? maxRows, maxRows);
        var shardStatement = ShardStatement(statement, orderBy, limit, maxRows);
        using var gate = new SemaphoreSlim(_options.ScatterConcurrency);
        var tasks = shards.Select(async shard =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var statementHere = shard.VisibilityRing is { } ring ? shardStatement with { Prelude = VisibilityPrelude(ring, shard.Id) } : shardStatement;
                return await QueryShardAsync(shard, statementHere, consistency, minLsnFor(shard.Id), perShardLimit, timeoutMs, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }).ToArray();

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (DataTierException) when (allowPartial)
        {
            // Collected per shard below.
        }

        var parts = new List<ReadOutcome>();
        var failures = new List<ScatterShardFailure>();
        for (int i = 0; i < tasks.Length; i++)
        {
            if (tasks[i].IsCompletedSuccessfully)
            {
                parts.Add(tasks[i].Result);
            }
            else
            {
                var error = tasks[i].Exception?.InnerException;
                if (error is not DataTierException dte || !allowPartial || dte.Kind == DataTierErrorKind.BadRequest || dte.Kind == DataTierErrorKind.SqlError)
                {
                    throw error ?? new OperationCanceledException();
                }

                failures.Add(new ScatterShardFailure(shards[i].Id, dte.Code, dte.Message));
            }
        }

        var merged = Merge(parts, orderBy, Math.Min(limit ?? maxRows, maxRows));
        var shardResults = parts.Select(p => new ScatterShardResult(p.ShardId, p.Result.Rows.Count, p.ElapsedMs, p.Target.ServedBy, p.Target.Node.Id, p.Result.Lsn)).ToList();
        return new ScatterOutcome(merged, shardResults, failures);
    }

    /// <summary>Runs a read on a shard; with a non-zero <paramref name="minLsn"/> only a node that has reached it serves.</summary>
    public async Task<ReadOutcome> QueryShardAsync(ShardDefinition shard, BoundStatement statement, ConsistencyLevel consistency, ulong minLsn, int maxRows, int timeoutMs, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var target = _router.Route(shard, consistency, minLsn);
        try
        {
            var result = await ReadNodeAsync(target, statement, maxRows, timeoutMs, cancellationToken).ConfigureAwait(false);
            return new ReadOutcome(result, shard.Id, target, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (DataTierException ex) when (ex.Kind == DataTierErrorKind.ShardUnavailable && target.Node.Role == NodeRole.Replica)
        {
            // A replica failed to connect or dropped the connection: take it out of rotation and retry once elsewhere.
            _health.ReportConnectionFailure(target.Node, ex.InnerException ?? ex);
            Log.ReadRetried(_logger, target.Node.Id, shard.Id);
            var retry = _router.Route(shard, consistency, minLsn, exclude: target.Node);
            var result = await ReadNodeAsync(retry, statement, maxRows, timeoutMs, cancellationToken).ConfigureAwait(false);
            return new ReadOutcome(result, shard.Id, retry, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private async Task<QueryResult> ReadNodeAsync(ReadTarget target, BoundStatement statement, int maxRows, int timeoutMs, CancellationToken cancellationToken)
    {
        using var lease = _router.Outstanding.Begin(target.Node.Id);
        long started = Stopwatch.GetTimestamp();
        var role = target.Node.Role == NodeRole.Primary ? DigestRole.Primary : DigestRole.Replica;
        string roleLabel = target.Node.Role == NodeRole.Primary ? "primary" : "replica";
        try
        {
            var result = await _executor.ReadAsync(target.Node, statement, maxRows, timeoutMs, cancellationToken).ConfigureAwait(false);
            double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            _metrics.QueryDuration.WithLabels(target.Node.ShardId, roleLabel, "read").Observe(elapsed / 1000);
            _digest.Record(statement.FingerprintId, statement.Fingerprint, statement.Sql, target.Node.ShardId, role, elapsed, result.Rows.Count, error: false);
            return result;
        }
        catch (DataTierException ex)
        {
            _metrics.QueryErrors.WithLabels(target.Node.ShardId, DataTierMetrics.ErrorClass(ex)).Inc();
            _digest.Record(statement.FingerprintId, statement.Fingerprint, statement.Sql, target.Node.ShardId, role, Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0, error: true);
            if (ex.Kind == DataTierErrorKind.ShardUnavailable && target.Node.Role == NodeRole.Primary)
            {
                _health.ReportConnectionFailure(target.Node, ex.InnerException ?? ex);
            }

            throw;
        }
    }

    private static BoundStatement Wrap(BoundStatement statement, IReadOnlyList<SortColumn> orderBy, int limit)
    {
        var sql = new System.Text.StringBuilder("select * from (").Append(statement.Sql).Append("\n) as dt_scatter");
        if (orderBy.Count > 0)
        {
            sql.Append(" order by ");
            for (int i = 0; i < orderBy.Count; i++)
            {
                if (i > 0)
                {
                    sql.Append(", ");
                }

                sql.Append(QuoteIdentifier(orderBy[i].Column)).Append(orderBy[i].Descending ? " desc" : " asc");
            }
        }

        sql.Append(" limit ").Append(limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return statement with { Sql = sql.ToString() };
    }

    /// <summary>
    /// Makes the sharded tables' names resolve to their ownership views (<c>datatier_visible</c>) for one fan-out read,
    /// for the ring it routes by: a shard in a move then counts only the rows it owns. Ring fingerprints and shard ids
    /// hold no quote (ids are [a-z0-9_-], weights numbers), and are quoted anyway.
    /// </summary>
    public static IReadOnlyList<string> VisibilityPrelude(string ring, string shardId) =>
        ["SET LOCAL search_path = datatier_visible, public", $"SET LOCAL datatier.ring = {QuoteLiteral(ring)}", $"SET LOCAL datatier.shard = {QuoteLiteral(shardId)}"];

    private static string QuoteLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Quotes a column name for SQL; any name is safe because quotes inside are doubled.</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static QueryResult Merge(List<ReadOutcome> parts, IReadOnlyList<SortColumn> orderBy, int limit)
    {
        var columns = parts.Count > 0 ? parts[0].Result.Columns : [];
        bool anyTruncated = parts.Any(p => p.Result.Truncated);
        int total = parts.Sum(p => p.Result.Rows.Count);
        var rows = new List<object?[]>(Math.Min(total, limit));
        if (orderBy.Count == 0)
        {
            foreach (var part in parts)
            {
                foreach (var row in part.Result.Rows)
                {
                    if (rows.Count == limit)
                    {
                        return new QueryResult { Columns = columns, Rows = rows, Truncated = true };
                    }

                    rows.Add(row);
                }
            }

            return new QueryResult { Columns = columns, Rows = rows, Truncated = anyTruncated };
        }

        var indexes = orderBy.Select(o => Array.IndexOf(columns, o.Column)).ToArray();
        if (indexes.Any(i => i < 0))
        {
            var missing = orderBy.First(o => Array.IndexOf(columns, o.Column) < 0).Column;
            throw new DataTierException(DataTierErrorKind.BadRequest, "invalid-order-by", $"orderBy names column '{missing}', which the statement does not return.");
        }

        var comparer = new RowComparer(indexes, orderBy.Select(o => o.Descending).ToArray());
        // k-way merge: each shard's rows are already sorted by the same key.
        var queue = new PriorityQueue<(int Part, int Index), object?[]>(comparer);
        for (int p = 0; p < parts.Count; p++)
        {
            if (parts[p].Result.Rows.Count > 0)
            {
                queue.Enqueue((p, 0), parts[p].Result.Rows[0]);
            }
        }

        while (rows.Count < limit && queue.TryDequeue(out var item, out var row))
        {
            rows.Add(row);
            var source = parts[item.Part].Result.Rows;
            if (item.Index + 1 < source.Count)
            {
                queue.Enqueue((item.Part, item.Index + 1), source[item.Index + 1]);
            }
        }

        return new QueryResult { Columns = columns, Rows = rows, Truncated = queue.Count > 0 || anyTruncated };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2101, EventName = "ReadRetried", Level = LogLevel.Warning, Message = "Read on {NodeId} of shard {ShardId} failed to connect; retried on another node")]
        public static partial void ReadRetried(ILogger logger, string nodeId, string shardId);
    }
}
