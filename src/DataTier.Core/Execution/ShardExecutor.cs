using System.Data;
using System.Globalization;
using DataTier.Core.Errors;
using DataTier.Core.Idempotency;
using DataTier.Core.Nodes;
using DataTier.Core.Topology;
using Npgsql;

namespace DataTier.Core.Execution;

/// <summary>
/// Runs statements on one node, each in one round trip. Reads run on data-path connections, which carry the data
/// API's default statement_timeout and, on replicas, are read-only by default: a replica read at that timeout is the
/// statement alone (plus the snapshot LSN when a cache fill or a session needs it); a read on a primary, at another
/// timeout, or with a prelude runs in an explicit READ ONLY transaction with SET LOCAL. A single-statement write at
/// the default timeout and isolation runs in autocommit followed, after a Sync, by the commit LSN read, in one round
/// trip; any other write runs in an explicit READ WRITE transaction with the LSN read right after the COMMIT, also in
/// the same round trip. Statements are prepared automatically; a
/// prepared statement a DBA's schema change invalidated (0A000 "cached plan must not change result type") is
/// unprepared and run once more. A client-side deadline trails the server's timeout.
/// </summary>
public sealed partial class ShardExecutor
{
    // The client-side deadline trails the server's statement_timeout so the server's own cancellation
    // (SQLSTATE 57014) normally wins and the connection stays usable.
    private const int ClientGraceMs = 1000;
    // The insert position, not the write position: with synchronous_commit off the commit record may not be
    // written yet when COMMIT returns, and a token below its end would let a replica serve a read without it.
    private const string CommitLsnSql = "select (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::int8";
    // The node's LSN read before the query bounds what the query's snapshot contains from below, which is what a
    // cached result must record to serve session reads safely. On a primary it is the insert position, the
    // same measure as a write's token (a commit whose record ends at or before it had completed when its
    // token was read, up to the instant between the commit record's insert and its becoming visible).
    private const string SnapshotLsnSql =
        "select (case when pg_is_in_recovery() then coalesce(pg_last_wal_replay_lsn(), '0/0') else pg_current_wal_insert_lsn() end - '0/0'::pg_lsn)::int8";

    private readonly NodeDataSources _dataSources;
    private readonly NodeCircuitBreakers _breakers;

    /// <summary>Creates the executor.</summary>
    public ShardExecutor(NodeDataSources dataSources, NodeCircuitBreakers breakers)
    {
        _dataSources = dataSources;
        _breakers = breakers;
    }

    /// <summary>
    /// Runs a read on a node through its circuit breaker. With <paramref name="snapshotLsn"/> the result carries the
    /// node's LSN from before the query (what cache entries record); without it <see cref="QueryResult.Lsn"/> is 0.
    /// </summary>
    public Task<QueryResult> ReadAsync(NodeDefinition node, BoundStatement statement, int maxRows, int timeoutMs, bool snapshotLsn, CancellationToken cancellationToken) =>
        _breakers.ExecuteAsync(node, static (s, ct) => new ValueTask<QueryResult>(s.self.ReadCoreAsync(s.node, s.statement, s.maxRows, s.timeoutMs, s.snapshotLsn, ct)),
            (self: this, node, statement, maxRows, timeoutMs, snapshotLsn), cancellationToken).AsTask();

    /// <summary>Runs statements in one transaction on the shard's primary through its circuit breaker.</summary>
    /// <remarks>
    /// With <paramref name="idempotency"/> the write records its key and answer in the same transaction, or, when the
    /// key is recorded already, applies nothing and answers with the recorded results (see ShardExecutor.Idempotent.cs).
    /// </remarks>
    public Task<CommittedWrite> WriteAsync(ShardDefinition shard, IReadOnlyList<BoundStatement> statements, IsolationLevel isolation, int maxRows, int timeoutMs, IdempotencyKey? idempotency, CancellationToken cancellationToken) =>
        _breakers.ExecuteAsync(shard.Primary, static (s, ct) => new ValueTask<CommittedWrite>(s.self.WriteCoreAsync(s.shard, s.statements, s.isolation, s.maxRows, s.timeoutMs, s.idempotency, ct)),
            (self: this, shard, statements, isolation, maxRows, timeoutMs, idempotency), cancellationToken).AsTask();

    private async Task<QueryResult> ReadCoreAsync(NodeDefinition node, BoundStatement statement, int maxRows, int timeoutMs, bool snapshotLsn, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeoutMs + ClientGraceMs);
        try
        {
            await using var lease = await _dataSources.OpenDataPathAsync(node, deadline.Token).ConfigureAwait(false);
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return await ReadOnceAsync(lease.Connection, node, statement, maxRows, timeoutMs, snapshotLsn, deadline.Token).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (attempt == 1 && IsStalePreparedPlan(ex))
                {
                    lease.Connection.UnprepareAll();
                }
            }
        }
        catch (Exception ex) when (ex is not DataTierException || ((DataTierException)ex).Kind != DataTierErrorKind.PoolExhausted)
        {
            throw PostgresErrorMapper.Map(ex, node.ShardId, deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested);
        }
    }

    private async Task<QueryResult> ReadOnceAsync(NpgsqlConnection connection, NodeDefinition node, BoundStatement statement, int maxRows, int timeoutMs, bool snapshotLsn, CancellationToken cancellationToken)
    {
        // On a replica the connection's defaults already make the statement read-only (one implicit transaction for
        // the batch) and bound its time; a primary's connections are read-write, and a different timeout or a
        // prelude needs a transaction block of its own.
        bool block = node.Role == NodeRole.Primary || timeoutMs != _dataSources.DataStatementTimeoutMs || statement.Prelude is { Count: > 0 };
        await using var batch = new NpgsqlBatch(connection);
        if (block)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN READ ONLY"));
            if (timeoutMs != _dataSources.DataStatementTimeoutMs)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(StatementTimeoutSql(timeoutMs)));
            }

            foreach (string setting in statement.Prelude ?? [])
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
            }
        }

        if (snapshotLsn)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(SnapshotLsnSql));
        }

        var query = new NpgsqlBatchCommand(CommandText(statement));
        query.Parameters.AddRange(statement.CloneParameters());
        batch.BatchCommands.Add(query);
        if (block)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        }

        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            // BEGIN and SET return no result set; then the LSN (when asked for), then the rows.
            while (reader.FieldCount == 0 && await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
            }

            ulong lsn = 0;
            if (snapshotLsn)
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                lsn = (ulong)reader.GetInt64(0);
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }

            var result = await ResultReader.ReadAsync(reader, maxRows, cancellationToken).ConfigureAwait(false);
            result.Lsn = lsn;
            return result;
        }
        catch (PostgresException) when (block)
        {
            await RollbackQuietlyAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs statements in one transaction on the shard's primary, all or nothing, and returns their results with
    /// the LSN the commit reached: BEGIN, the statements, COMMIT and the LSN read go in one round trip.
    /// </summary>
    private async Task<CommittedWrite> WriteCoreAsync(ShardDefinition shard, IReadOnlyList<BoundStatement> statements, IsolationLevel isolation, int maxRows, int timeoutMs, IdempotencyKey? idempotency, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeoutMs + ClientGraceMs);
        try
        {
            await using var lease = await _dataSources.OpenDataPathAsync(shard.Primary, deadline.Token).ConfigureAwait(false);
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return idempotency is null
                        ? await WriteOnceAsync(lease.Connection, shard, statements, isolation, maxRows, timeoutMs, deadline.Token).ConfigureAwait(false)
                        : await WriteKeyedAsync(lease.Connection, shard, statements, isolation, maxRows, timeoutMs, idempotency, deadline.Token).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (attempt == 1 && IsStalePreparedPlan(ex))
                {
                    // Rolled back whole: nothing was written, so running it again is safe.
                    lease.Connection.UnprepareAll();
                }
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction)
        {
            // The data path's primary sessions are read-write and every transaction begins READ WRITE, so a read-only
            // refusal means the server is in recovery: the primary became a standby (a failover under way or done).
            // Nothing was written; the write may be retried once the topology has followed the promotion.
            throw new DataTierException(DataTierErrorKind.ShardUnavailable, "shard-unavailable",
                $"Shard '{shard.Id}' is unavailable: its primary {shard.Primary.Endpoint} is in recovery (a standby), so a failover is under way; retry shortly.", ex)
            {
                SqlState = ex.SqlState,
                ShardId = shard.Id,
                RetryAfterSeconds = 1,
            };
        }
        catch (Exception ex) when (ex is not DataTierException || ((DataTierException)ex).Kind != DataTierErrorKind.PoolExhausted)
        {
            throw PostgresErrorMapper.Map(ex, shard.Id, deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested);
        }
    }

    private async Task<CommittedWrite> WriteOnceAsync(NpgsqlConnection connection, ShardDefinition shard, IReadOnlyList<BoundStatement> statements, IsolationLevel isolation, int maxRows, int timeoutMs, CancellationToken cancellationToken)
    {
        // Npgsql yields a result only for statements that return rows, so a batch of several statements could not
        // tell whose rows are whose: one statement (the common write) goes with BEGIN, COMMIT and the LSN read in one
        // round trip; a transaction of several sends each statement on its own, then COMMIT and the LSN together.
        var results = new List<WriteResult>(statements.Count);
        if (statements.Count == 1 && isolation == IsolationLevel.ReadCommitted && timeoutMs == _dataSources.DataStatementTimeoutMs)
        {
            return await WriteAutocommitAsync(connection, shard, statements[0], maxRows, results, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await using var batch = new NpgsqlBatch(connection);
            // READ WRITE explicitly, whatever the connection's session default.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(BeginSql(isolation)));
            if (timeoutMs != _dataSources.DataStatementTimeoutMs)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(StatementTimeoutSql(timeoutMs)));
            }

            if (statements.Count == 1)
            {
                var command = new NpgsqlBatchCommand(CommandText(statements[0]));
                command.Parameters.AddRange(statements[0].CloneParameters());
                batch.BatchCommands.Add(command);
                batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
                // After the COMMIT in the same pipeline: it runs once the commit is done, outside the transaction.
                batch.BatchCommands.Add(new NpgsqlBatchCommand(CommitLsnSql));
                await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var (rows, lsn) = await ReadRowsThenLsnAsync(reader, maxRows, cancellationToken).ConfigureAwait(false);
                results.Add(new WriteResult(Math.Max(0, command.RecordsAffected), rows));
                return new CommittedWrite(shard.Id, results, lsn);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await RunEachAsync(connection, statements, maxRows, results, cancellationToken).ConfigureAwait(false);
            await using var commit = new NpgsqlBatch(connection);
            commit.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            commit.BatchCommands.Add(new NpgsqlBatchCommand(CommitLsnSql));
            await using (var reader = await commit.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                return new CommittedWrite(shard.Id, results, await ReadLsnAsync(reader, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (PostgresException)
        {
            // The failed statement aborted the transaction block; end it before the connection goes back to the pool.
            await RollbackQuietlyAsync(connection).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException)
        {
            await RollbackQuietlyAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    // Inside an open transaction: each statement on its own round trip, so each result is told apart.
    private static async Task RunEachAsync(NpgsqlConnection connection, IReadOnlyList<BoundStatement> statements, int maxRows, List<WriteResult> results, CancellationToken cancellationToken)
    {
        foreach (var statement in statements)
        {
            await using var cmd = new NpgsqlCommand(CommandText(statement), connection);
            cmd.Parameters.AddRange(statement.CloneParameters());
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = reader.FieldCount > 0 ? await ReadAllAsync(reader, maxRows, cancellationToken).ConfigureAwait(false) : QueryResult.Empty;
            await reader.CloseAsync().ConfigureAwait(false);
            results.Add(new WriteResult(Math.Max(0, reader.RecordsAffected), rows));
        }
    }

    // The common write: the statement alone in autocommit (read committed, the connection's default timeout), then an
    // error barrier (a Sync, at which PostgreSQL commits it), then the commit LSN read: two prepared statements in one
    // round trip where an explicit transaction needs four. A failed statement committed nothing (the LSN read after
    // the barrier runs regardless, harmlessly), so the caller may run it again.
    private static async Task<CommittedWrite> WriteAutocommitAsync(NpgsqlConnection connection, ShardDefinition shard, BoundStatement statement, int maxRows, List<WriteResult> results, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        var command = new NpgsqlBatchCommand(CommandText(statement)) { AppendErrorBarrier = true };
        command.Parameters.AddRange(statement.CloneParameters());
        batch.BatchCommands.Add(command);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(CommitLsnSql));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var (rows, lsn) = await ReadRowsThenLsnAsync(reader, maxRows, cancellationToken).ConfigureAwait(false);
        results.Add(new WriteResult(Math.Max(0, command.RecordsAffected), rows));
        return new CommittedWrite(shard.Id, results, lsn);
    }

    // A write statement's results, then the commit LSN: two results when the statement returns rows (its rows, then the
    // LSN), else one (the LSN).
    private static async Task<(QueryResult Rows, ulong Lsn)> ReadRowsThenLsnAsync(NpgsqlDataReader reader, int maxRows, CancellationToken cancellationToken)
    {
        var first = await ReadAllAsync(reader, Math.Max(1, maxRows), cancellationToken).ConfigureAwait(false);
        if (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
            return (first, await ReadLsnAsync(reader, cancellationToken).ConfigureAwait(false));
        }

        return (QueryResult.Empty, (ulong)(long)first.Rows[0][0]!);
    }

    // Reads the rows up to the limit, then drains the rest so RecordsAffected is final even when RETURNING rows were truncated.
    private static async Task<QueryResult> ReadAllAsync(NpgsqlDataReader reader, int maxRows, CancellationToken cancellationToken)
    {
        var rows = await ResultReader.ReadAsync(reader, maxRows, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
        }

        return rows;
    }

    private static async Task<ulong> ReadLsnAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (ulong)reader.GetInt64(0);
    }

    // The one place a request's statement becomes command text: a recorded trace adds its traceparent comment (see
    // SqlCommenter for why only then); DataTier's own BEGIN, SET and LSN reads keep their text and stay prepared.
    private static string CommandText(BoundStatement statement) => Diagnostics.SqlCommenter.Apply(statement.Sql);

    // A prepared statement whose result type changed under it (a column added or altered by a DBA): PostgreSQL
    // refuses to run it until it is prepared again.
    private static bool IsStalePreparedPlan(PostgresException ex) =>
        ex.SqlState == PostgresErrorCodes.FeatureNotSupported && ex.Routine == "RevalidateCachedQuery";

    private static string BeginSql(IsolationLevel isolation) => isolation switch
    {
        IsolationLevel.Serializable => "BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE",
        IsolationLevel.RepeatableRead or IsolationLevel.Snapshot => "BEGIN ISOLATION LEVEL REPEATABLE READ READ WRITE",
        _ => "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE",
    };

    private static string StatementTimeoutSql(int timeoutMs) =>
        "SET LOCAL statement_timeout = " + timeoutMs.ToString(CultureInfo.InvariantCulture);

    private static async Task RollbackQuietlyAsync(NpgsqlConnection connection)
    {
        try
        {
            if (connection.State == ConnectionState.Open)
            {
                await using var cmd = new NpgsqlCommand("ROLLBACK", connection);
                await cmd.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The connection is broken or already idle; the pool discards or resets it.
        }
    }
}
