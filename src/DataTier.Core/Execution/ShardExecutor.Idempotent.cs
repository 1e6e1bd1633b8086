using System.Data;
using DataTier.Core.Errors;
using DataTier.Core.Idempotency;
using DataTier.Core.Topology;
using Npgsql;

namespace DataTier.Core.Execution;

/// <summary>
/// Keyed writes (an <c>Idempotency-Key</c>): the key row, the statements and the stored answer in one transaction on
/// the shard's primary, in three round trips (claim; the statements, one each; answer + COMMIT + LSN). Unkeyed
/// writes never come here and keep their one-round-trip path.
/// </summary>
public sealed partial class ShardExecutor
{
    // The claim comes first so that a concurrent duplicate waits on the primary key before it runs anything: the
    // unique index holds the second INSERT until the first transaction commits (DO NOTHING: the second replays) or
    // rolls back (the second claims the key and applies). The key row shares the write's fate whatever fails: a SQL
    // error, a timeout, a dropped connection, or a rebalancing fence (DTM01, which ShardWriter retries, possibly on
    // another shard): nothing is recorded unless the write commits.
    private const string ClaimSql = "insert into datatier_idempotency.keys (scope, idempotency_key, fingerprint, shard_key) values ($1, $2, $3, $4) on conflict do nothing returning ctid::text";
    // By the claimed row's ctid, not by its key: in a serializable transaction an update by key scans the primary key
    // index with an MVCC snapshot, which takes SIREAD locks on its leaf page, and concurrent keyed transactions
    // inserting other keys into that page then fail each other with 40001 (seen: 2 of 64 concurrent serializable
    // transactions). A TID scan locks only this transaction's own tuple, which nobody else writes; the claim's
    // conflict check reads with a dirty snapshot and takes no SIREAD lock. The ctid cannot change before the COMMIT:
    // the row is this transaction's, uncommitted, and nothing else can update it. (As text: the data path's data
    // sources map no tid type.)
    private const string StoreAnswerSql = "update datatier_idempotency.keys set answer = $1 where ctid = $2::tid";
    private const string RecordedSql = "select fingerprint, answer from datatier_idempotency.keys where scope = $1 and idempotency_key = $2";
    // A claim that finds the key taken but then no recorded row (the other claimant rolled back between the two, or
    // a serializable claim failed without a duplicate) claims again, a few times.
    private const int MaxClaimAttempts = 3;

    private async Task<CommittedWrite> WriteKeyedAsync(NpgsqlConnection connection, ShardDefinition shard, IReadOnlyList<BoundStatement> statements, IsolationLevel isolation, int maxRows, int timeoutMs, IdempotencyKey key, CancellationToken cancellationToken)
    {
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                if (await TryClaimAsync(connection, shard, isolation, timeoutMs, key, cancellationToken).ConfigureAwait(false) is { } claimed)
                {
                    return await ApplyClaimedAsync(connection, shard, statements, maxRows, claimed, cancellationToken).ConfigureAwait(false);
                }

                if (await ReadRecordedAsync(connection, shard, key, cancellationToken).ConfigureAwait(false) is { } recorded)
                {
                    return recorded;
                }

                if (attempt == MaxClaimAttempts)
                {
                    throw new DataTierException(DataTierErrorKind.Conflict, "idempotency-in-progress",
                        $"Another request with this Idempotency-Key is being applied on shard '{shard.Id}'; retry it after that one's answer.") { ShardId = shard.Id, RetryAfterSeconds = 1 };
                }
            }
        }
        catch (Exception ex) when (ex is PostgresException or OperationCanceledException)
        {
            // A failed or cancelled step ends the transaction, key row included, before the connection goes back.
            await RollbackQuietlyAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    // BEGIN and the claim in one round trip. The claimed row's ctid: this transaction owns the key and is open. Null: the key is
    // recorded (or was, by a duplicate this claim waited for); the transaction is still open (or aborted) and
    // ReadRecordedAsync's ROLLBACK ends it in the same round trip as the read.
    private async Task<string?> TryClaimAsync(NpgsqlConnection connection, ShardDefinition shard, IsolationLevel isolation, int timeoutMs, IdempotencyKey key, CancellationToken cancellationToken)
    {
        try
        {
            await using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(new NpgsqlBatchCommand(BeginSql(isolation)));
            if (timeoutMs != _dataSources.DataStatementTimeoutMs)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(StatementTimeoutSql(timeoutMs)));
            }

            var claim = new NpgsqlBatchCommand(ClaimSql);
            claim.Parameters.Add(new NpgsqlParameter { Value = key.Scope });
            claim.Parameters.Add(new NpgsqlParameter { Value = key.Value });
            claim.Parameters.Add(new NpgsqlParameter { Value = key.Fingerprint });
            claim.Parameters.Add(new NpgsqlParameter { Value = (object?)key.ShardKey ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            batch.BatchCommands.Add(claim);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            // BEGIN and SET return no result set.
            while (reader.FieldCount == 0 && await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
            }

            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return reader.GetString(0);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.SerializationFailure)
        {
            // Repeatable read and serializable: the duplicate committed after this transaction's snapshot was taken,
            // which PostgreSQL reports as a serialization failure rather than DO NOTHING. The recorded answer is read
            // outside the transaction.
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            await RollbackQuietlyAsync(connection).ConfigureAwait(false);
            throw new DataTierException(DataTierErrorKind.SqlError, "idempotency-not-migrated",
                $"Shard '{shard.Id}' has no table datatier_idempotency.keys, which keyed writes need: run 'datatier migrate shards', or send the write without an Idempotency-Key.", ex)
            { SqlState = ex.SqlState, ShardId = shard.Id };
        }

        return null;
    }

    private static async Task<CommittedWrite> ApplyClaimedAsync(NpgsqlConnection connection, ShardDefinition shard, IReadOnlyList<BoundStatement> statements, int maxRows, string claimed, CancellationToken cancellationToken)
    {
        var results = new List<WriteResult>(statements.Count);
        await RunEachAsync(connection, statements, maxRows, results, cancellationToken).ConfigureAwait(false);
        await using var commit = new NpgsqlBatch(connection);
        var store = new NpgsqlBatchCommand(StoreAnswerSql);
        store.Parameters.Add(new NpgsqlParameter { Value = StoredAnswer.Encode(results) });
        store.Parameters.Add(new NpgsqlParameter { Value = claimed });
        commit.BatchCommands.Add(store);
        commit.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        commit.BatchCommands.Add(new NpgsqlBatchCommand(CommitLsnSql));
        await using var reader = await commit.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return new CommittedWrite(shard.Id, results, await ReadLsnAsync(reader, cancellationToken).ConfigureAwait(false));
    }

    // The claim's transaction rolled back, then the recorded answer read outside it (a fresh snapshot sees the
    // duplicate's commit), then the primary's
    // insert LSN read after it. The original commit's LSN is not stored (it is only known after the COMMIT, when the
    // row can no longer change), so a replay's token carries this later LSN instead: the commit's record ended at or
    // before it, so a session read with the token still sees the write, at worst waiting for a replica a little longer.
    private static async Task<CommittedWrite?> ReadRecordedAsync(NpgsqlConnection connection, ShardDefinition shard, IdempotencyKey key, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("ROLLBACK"));
        var recorded = new NpgsqlBatchCommand(RecordedSql);
        recorded.Parameters.Add(new NpgsqlParameter { Value = key.Scope });
        recorded.Parameters.Add(new NpgsqlParameter { Value = key.Value });
        batch.BatchCommands.Add(recorded);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(CommitLsnSql));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        // ROLLBACK returns no result set.
        while (reader.FieldCount == 0 && await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
        }

        byte[]? fingerprint = null;
        string? answer = null;
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            fingerprint = reader.GetFieldValue<byte[]>(0);
            answer = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        ulong lsn = await ReadLsnAsync(reader, cancellationToken).ConfigureAwait(false);
        if (fingerprint is null)
        {
            return null;
        }

        if (!fingerprint.AsSpan().SequenceEqual(key.Fingerprint))
        {
            throw new DataTierException(DataTierErrorKind.IdempotencyKeyReused, "idempotency-key-reused",
                "This Idempotency-Key was used for a different request (another statement, parameters, shard key or endpoint); nothing was applied. Use a new key for a new write.")
            { ShardId = shard.Id };
        }

        if (answer is null)
        {
            // Not reachable through DataTier (the answer is stored in the transaction that commits the key row); a
            // row written by hand would land here.
            throw new DataTierException(DataTierErrorKind.Conflict, "idempotency-in-progress",
                $"The Idempotency-Key is recorded on shard '{shard.Id}' without an answer; retry it later.") { ShardId = shard.Id, RetryAfterSeconds = 1 };
        }

        return new CommittedWrite(shard.Id, StoredAnswer.Decode(answer), lsn) { Replayed = true };
    }
}
