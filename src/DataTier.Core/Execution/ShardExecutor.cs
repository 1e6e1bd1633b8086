using System.Data;
using System.Globalization;
using DataTier.Core.Errors;
using DataTier.Core.Nodes;
using DataTier.Core.Topology;
using Npgsql;

namespace DataTier.Core.Execution;

/// <summary>
/// Runs statements on one node: reads in READ ONLY transactions, writes and transactions on the primary, each
/// under a server-side statement_timeout and a client-side deadline a little past it.
/// </summary>
public sealed class ShardExecutor
{
    // The client-side deadline trails the server's statement_timeout so the server's own cancellation
    // (SQLSTATE 57014) normally wins and the connection stays usable.
    private const int ClientGraceMs = 1000;
    // The insert position, not the write position: with synchronous_commit off the commit record may not be
    // written yet when COMMIT returns, and a token below its end would let a replica serve a read without it.
    private const string CommitLsnSql = "select (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::int8";
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

    /// <summary>Runs a read on a node through its circuit breaker.</summary>
    public Task<QueryResult> ReadAsync(NodeDefinition node, BoundStatement statement, int maxRows, int timeoutMs, CancellationToken cancellationToken) =>
        _breakers.ExecuteAsync(node, static (s, ct) => new ValueTask<QueryResult>(s.self.ReadCoreAsync(s.node, s.statement, s.maxRows, s.timeoutMs, ct)),
            (self: this, node, statement, maxRows, timeoutMs), cancellationToken).AsTask();

    /// <summary>Runs statements in one transaction on the shard's primary through its circuit breaker.</summary>
    public Task<CommittedWrite> WriteAsync(ShardDefinition shard, IReadOnlyList<BoundStatement> statements, IsolationLevel isolation, int maxRows, int timeoutMs, CancellationToken cancellationToken) =>
        _breakers.ExecuteAsync(shard.Primary, static (s, ct) => new ValueTask<CommittedWrite>(s.self.WriteCoreAsync(s.shard, s.statements, s.isolation, s.maxRows, s.timeoutMs, ct)),
            (self: this, shard, statements, isolation, maxRows, timeoutMs), cancellationToken).AsTask();

    /// <summary>Runs a read on a node in a READ ONLY transaction, in one round trip.</summary>
    private async Task<QueryResult> ReadCoreAsync(NodeDefinition node, BoundStatement statement, int maxRows, int timeoutMs, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeoutMs + ClientGraceMs);
        try
        {
            await using var lease = await _dataSources.OpenAsync(node, deadline.Token).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(lease.Connection);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN READ ONLY"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(StatementTimeoutSql(timeoutMs)));
            foreach (string setting in statement.Prelude ?? [])
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(setting));
            }

            // The node's LSN read before the query bounds what the query's snapshot contains from below, which is what a
            // cached result must record to serve session reads safely. On a primary it is the insert position, the
            // same measure as a write's token (a commit whose record ends at or before it had completed when its
            // token was read, up to the instant between the commit record's insert and its becoming visible).
            batch.BatchCommands.Add(new NpgsqlBatchCommand(SnapshotLsnSql));
            var query = new NpgsqlBatchCommand(statement.Sql);
            query.Parameters.AddRange(statement.CloneParameters());
            batch.BatchCommands.Add(query);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            QueryResult result;
            try
            {
                await using var reader = await batch.ExecuteReaderAsync(deadline.Token).ConfigureAwait(false);
                // BEGIN and SET return no result set; the first one is the LSN, the next the rows.
                while (reader.FieldCount == 0 && await reader.NextResultAsync(deadline.Token).ConfigureAwait(false))
                {
                }

                await reader.ReadAsync(deadline.Token).ConfigureAwait(false);
                ulong lsn = (ulong)reader.GetInt64(0);
                await reader.NextResultAsync(deadline.Token).ConfigureAwait(false);
                result = await ResultReader.ReadAsync(reader, maxRows, deadline.Token).ConfigureAwait(false);
                result.Lsn = lsn;
            }
            catch (PostgresException)
            {
                await RollbackQuietlyAsync(lease.Connection).ConfigureAwait(false);
                throw;
            }

            return result;
        }
        catch (Exception ex) when (ex is not DataTierException || ((DataTierException)ex).Kind != DataTierErrorKind.PoolExhausted)
        {
            throw PostgresErrorMapper.Map(ex, node.ShardId, deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested);
        }
    }

    /// <summary>
    /// Runs statements in one transaction on the shard's primary, all or nothing, and returns their results with
    /// the LSN the commit reached.
    /// </summary>
    private async Task<CommittedWrite> WriteCoreAsync(ShardDefinition shard, IReadOnlyList<BoundStatement> statements, IsolationLevel isolation, int maxRows, int timeoutMs, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeoutMs + ClientGraceMs);
        try
        {
            await using var lease = await _dataSources.OpenAsync(shard.Primary, deadline.Token).ConfigureAwait(false);
            var connection = lease.Connection;
            var results = new List<WriteResult>(statements.Count);
            await using (var tx = await connection.BeginTransactionAsync(isolation, deadline.Token).ConfigureAwait(false))
            {
                // Disposing an uncommitted NpgsqlTransaction rolls it back: all or nothing.
                {
                    await using (var set = new NpgsqlCommand(StatementTimeoutSql(timeoutMs), connection, tx))
                    {
                        await set.ExecuteNonQueryAsync(deadline.Token).ConfigureAwait(false);
                    }

                    foreach (var statement in statements)
                    {
                        await using var cmd = new NpgsqlCommand(statement.Sql, connection, tx);
                        cmd.Parameters.AddRange(statement.CloneParameters());
                        await using var reader = await cmd.ExecuteReaderAsync(deadline.Token).ConfigureAwait(false);
                        var rows = reader.FieldCount > 0
                            ? await ResultReader.ReadAsync(reader, maxRows, deadline.Token).ConfigureAwait(false)
                            : QueryResult.Empty;
                        // Drain so RecordsAffected is final even when RETURNING rows were truncated.
                        while (await reader.ReadAsync(deadline.Token).ConfigureAwait(false))
                        {
                        }

                        await reader.CloseAsync().ConfigureAwait(false);
                        results.Add(new WriteResult(Math.Max(0, reader.RecordsAffected), rows));
                    }

                    await tx.CommitAsync(deadline.Token).ConfigureAwait(false);
                }
            }

            await using var lsnCmd = new NpgsqlCommand(CommitLsnSql, connection);
            ulong lsn = (ulong)(long)(await lsnCmd.ExecuteScalarAsync(deadline.Token).ConfigureAwait(false))!;
            return new CommittedWrite(shard.Id, results, lsn);
        }
        catch (Exception ex) when (ex is not DataTierException || ((DataTierException)ex).Kind != DataTierErrorKind.PoolExhausted)
        {
            throw PostgresErrorMapper.Map(ex, shard.Id, deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested);
        }
    }

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
