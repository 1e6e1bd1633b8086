using Dapper;
using Npgsql;

namespace DataTier.Core.Rebalancing.Moves;

/// <summary>
/// Takes a move's idempotency keys (<c>datatier_idempotency.keys</c>) along with its rows, so that a retry routed to
/// the new owner after the switch replays the first answer instead of applying the write again. Keys are written
/// once, in the transaction of their write, and never change: a key is copied when it exists, never updated.
/// </summary>
/// <remarks>
/// The shard's trigger logs each key claimed in a moving range from the move's registration on
/// (<c>datatier_idempotency.moving</c>) and refuses it once the range is fenced; <see cref="SettleClaimsAsync"/> waits
/// out the claims that began before the registration, so the bulk copy (<see cref="CopyAsync"/>) sees every key the log
/// does not hold, and the catch-up (<see cref="CatchUpAsync"/>) copies the logged ones, last of all inside the fence.
/// </remarks>
public static class IdempotencyKeyMoves
{
    private const string Apply = "set local datatier.move_apply = 'on'";
    private const string Position = "hashtextextended(k.shard_key, 0)";
    private const string Columns = "scope, idempotency_key, fingerprint, answer, created_at, shard_key";

    /// <summary>
    /// Waits until every keyed transaction that was in flight when the move registered its ranges on this source has
    /// ended (a SHARE lock on the key table waits for their row locks), taken briefly and retried like the capture
    /// trigger's installation, so that writers never queue behind it for long.
    /// </summary>
    public static Task SettleClaimsAsync(NpgsqlConnection source, CancellationToken ct) =>
        ShardMoveOperations.WithShortLockAsync(source, "lock table datatier_idempotency.keys in share mode", static _ => { }, ct);

    /// <summary>Copies the committed keys of a pair's ranges from source to target; returns how many were new there.</summary>
    public static async Task<long> CopyAsync(NpgsqlConnection source, NpgsqlConnection target, MoveRanges ranges, string from, string to, int batchRows, CancellationToken ct)
    {
        long copied = 0;
        string afterScope = "", afterKey = "";
        while (true)
        {
            // Keyset pages in primary-key order: the table may hold a day of keys, most of them staying.
            var page = (await source.QueryAsync<KeyRow>(new CommandDefinition(
                $"""
                select k.scope as Scope, k.idempotency_key as Key, to_jsonb(k)::text as Json from datatier_idempotency.keys k
                where (k.scope, k.idempotency_key) > (@s, @k) and k.shard_key is not null and k.answer is not null
                  and (@g::text[])[width_bucket({Position}, @t) + 1] = @to
                order by k.scope, k.idempotency_key limit @n
                """,
                new { s = afterScope, k = afterKey, g = ranges.TargetsFrom(from), t = ranges.Thresholds, to, n = batchRows }, commandTimeout: 120, cancellationToken: ct)).ConfigureAwait(false)).ToList();
            if (page.Count == 0)
            {
                return copied;
            }

            copied += await InsertAsync(target, page.Select(r => r.Json), ct).ConfigureAwait(false);
            (afterScope, afterKey) = (page[^1].Scope, page[^1].Key);
        }
    }

    /// <summary>
    /// Copies up to <paramref name="batchRows"/> logged keys of a source to their targets, then forgets those log
    /// entries; returns how many entries were handled. A log entry whose key is gone (its transaction rolled back with
    /// the entry, or the retention sweep deleted it) has nothing to copy and is forgotten too.
    /// </summary>
    public static async Task<int> CatchUpAsync(NpgsqlConnection source, Func<string, Task<NpgsqlConnection>> target, long moveId, int batchRows, CancellationToken ct)
    {
        var entries = (await source.QueryAsync<LoggedKey>(new CommandDefinition(
            """
            select m.id as Id, m.target as Target, to_jsonb(k)::text as Json
            from datatier_idempotency.moving m
            left join datatier_idempotency.keys k on k.scope = m.scope and k.idempotency_key = m.idempotency_key and k.answer is not null
            where m.move_id = @m order by m.id limit @n
            """, new { m = moveId, n = batchRows }, commandTimeout: 60, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        if (entries.Count == 0)
        {
            return 0;
        }

        foreach (var group in entries.Where(e => e.Json is not null).GroupBy(e => e.Target, StringComparer.Ordinal))
        {
            var conn = await target(group.Key).ConfigureAwait(false);
            await InsertAsync(conn, group.Select(e => e.Json!), ct).ConfigureAwait(false);
        }

        // Only the entries read: one committed after the read (with a lower id) is copied next round.
        await using var delete = new NpgsqlCommand("delete from datatier_idempotency.moving where id = any(@ids)", source) { CommandTimeout = 60 };
        delete.Parameters.AddWithValue("ids", entries.Select(e => e.Id).ToArray());
        await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return entries.Count;
    }

    /// <summary>Forgets what a move logged on a shard (its registration is being removed).</summary>
    public static async Task ForgetAsync(NpgsqlConnection conn, long moveId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("delete from datatier_idempotency.moving where move_id = @m", conn) { CommandTimeout = 60 };
        cmd.Parameters.AddWithValue("m", moveId);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task<long> InsertAsync(NpgsqlConnection target, IEnumerable<string> rows, CancellationToken ct)
    {
        await using var tx = await target.BeginTransactionAsync(ct).ConfigureAwait(false);
        long inserted;
        // DO NOTHING: a key the target holds already (copied by an earlier attempt, or from an earlier move the
        // other way) is the same key with the same answer.
        await using (var cmd = new NpgsqlCommand(
            $"{Apply}; insert into datatier_idempotency.keys ({Columns}) select {Columns} from jsonb_populate_recordset(null::datatier_idempotency.keys, @rows::jsonb) on conflict do nothing",
            target, tx) { CommandTimeout = 120 })
        {
            cmd.Parameters.AddWithValue("rows", "[" + string.Join(",", rows) + "]");
            inserted = await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return inserted;
    }

    private sealed record KeyRow(string Scope, string Key, string Json);

    private sealed record LoggedKey(long Id, string Target, string? Json);
}
