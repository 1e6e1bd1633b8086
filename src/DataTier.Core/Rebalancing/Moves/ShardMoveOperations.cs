using System.Text;
using Dapper;
using Npgsql;

namespace DataTier.Core.Rebalancing.Moves;

/// <summary>
/// The SQL a move runs on shards: capture and fence on sources, copy and catch-up from source to target, checksums,
/// and deleting either side's copies. Rows travel as JSON (<c>to_jsonb</c> on the source,
/// <c>jsonb_populate_recordset</c> on the target), so any column type PostgreSQL can round-trip through JSON moves
/// without DataTier knowing it. Every statement the mover runs on a shard marks itself (<c>datatier.move_apply</c>)
/// so the capture trigger does not log the mover's own writes.
/// </summary>
public static class ShardMoveOperations
{
    /// <summary>Copy slices per table: the ring space in equal parts, each selected through the ring-position index.</summary>
    public const int Slices = 16;

    private const string Apply = "set local datatier.move_apply = 'on'";

    /// <summary>The advisory lock a move's fence takes on a source.</summary>
    public static long LockKey(long moveId) => 0x4454_4D56_0000_0000L + moveId;

    /// <summary>The inclusive ring positions of copy slice <paramref name="slice"/>.</summary>
    public static (long Low, long High) Slice(int slice)
    {
        long width = (long)(ulong.MaxValue / Slices) + 1;
        long low = long.MinValue + (slice * width);
        long high = slice == Slices - 1 ? long.MaxValue : low + width - 1;
        return (low, high);
    }

    /// <summary>Columns and primary key of each table on a shard; refuses a table without a primary key.</summary>
    public static async Task<IReadOnlyList<TableShape>> ShapesAsync(NpgsqlConnection conn, IReadOnlyList<ShardedTable> tables, CancellationToken ct)
    {
        var shapes = new List<TableShape>();
        foreach (var table in tables)
        {
            var rows = (await conn.QueryAsync<TableColumn>(new CommandDefinition(
                """
                select quote_ident(a.attname) as Name, coalesce(i.indisprimary, false) as InPrimaryKey
                from pg_attribute a
                left join pg_index i on i.indrelid = a.attrelid and i.indisprimary and a.attnum = any(i.indkey)
                where a.attrelid = to_regclass(quote_ident(@t)) and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
                order by a.attnum
                """, new { t = table.Name }, commandTimeout: 30, cancellationToken: ct)).ConfigureAwait(false)).ToList();
            var columns = rows.Select(c => c.Name).ToList();
            var key = rows.Where(c => c.InPrimaryKey).Select(c => c.Name).ToList();

            if (columns.Count == 0)
            {
                throw new MoveFailedException($"Table '{table.Name}' does not exist on {conn.Database}.");
            }

            if (key.Count == 0)
            {
                throw new MoveFailedException($"Table '{table.Name}' has no primary key on {conn.Database}: a move cannot tell its rows apart to catch up and verify; add one.");
            }

            shapes.Add(new TableShape(table, columns, key));
        }

        return shapes;
    }

    /// <summary>
    /// Starts logging, on a target, the keys of every write to the ranges it receives (from the switch on, the only
    /// writes there): the verification compares the rows nobody wrote since the switch, so it needs no snapshot taken
    /// at the switch and works as well for whoever resumes the move. Registered under the move's id negated.
    /// </summary>
    public static Task WatchReceivedAsync(NpgsqlConnection conn, long moveId, MoveRanges ranges, string target, CancellationToken ct) =>
        RegisterAsync(conn, -moveId, ranges.Thresholds, ranges.Segments.Select(s => s.Moves && s.To == target ? "written-after-switch" : null).ToArray(), ct);

    /// <summary>
    /// Registers (or updates) a capture on a shard under <paramref name="id"/>: rows whose segment
    /// (<c>width_bucket</c> of <paramref name="thresholds"/>) has a non-null entry in <paramref name="targets"/> are
    /// logged, and refused once <see cref="FenceAsync"/> fences the id. A switchover registers every row this way.
    /// </summary>
    public static async Task RegisterAsync(NpgsqlConnection conn, long id, long[] thresholds, string?[] targets, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            insert into datatier_move.sources (move_id, thresholds, targets, lock_key) values (@m, @t, @g, @k)
            on conflict (move_id) do update set thresholds = excluded.thresholds, targets = excluded.targets
            """, conn) { CommandTimeout = 30 };
        cmd.Parameters.AddWithValue("m", id);
        cmd.Parameters.AddWithValue("t", thresholds);
        cmd.Parameters.AddWithValue("g", targets);
        cmd.Parameters.AddWithValue("k", LockKey(id));
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The keys of a table written on a target since the switch (JSON array of key objects), in a transaction's snapshot.</summary>
    public static async Task<string> WrittenSinceSwitchAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long moveId, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "select coalesce(jsonb_agg(distinct pk), '[]'::jsonb)::text from datatier_move.changes where move_id = @m and table_name = @t", conn, tx) { CommandTimeout = 60 };
        cmd.Parameters.AddWithValue("m", -moveId);
        cmd.Parameters.AddWithValue("t", table);
        return (string)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    /// <summary>Starts capturing a source's writes to its moving ranges (idempotent).</summary>
    public static async Task InstallCaptureAsync(NpgsqlConnection conn, long moveId, MoveRanges ranges, string source, IReadOnlyList<ShardedTable> tables, CancellationToken ct)
    {
        await RegisterAsync(conn, moveId, ranges.Thresholds, ranges.TargetsFrom(source), ct).ConfigureAwait(false);
        await InstallTriggersAsync(conn, tables, ct).ConfigureAwait(false);
    }

    /// <summary>Puts the capture trigger on every table of a shard (it logs nothing until a move registers ranges).</summary>
    public static async Task InstallTriggersAsync(NpgsqlConnection conn, IReadOnlyList<ShardedTable> tables, CancellationToken ct)
    {
        // One table at a time, each waiting briefly for its lock: CREATE TRIGGER waits for the table's writers, and a
        // long wait would queue every later writer behind it.
        foreach (var table in tables)
        {
            await WithShortLockAsync(conn, "select datatier_move.install_capture(to_regclass(quote_ident(@t)), @k)", c =>
            {
                c.Parameters.AddWithValue("t", table.Name);
                c.Parameters.AddWithValue("k", table.KeyColumn);
            }, ct).ConfigureAwait(false);
        }
    }

    /// <summary>(Re)creates each table's ownership view on a shard (<c>datatier_visible</c>, for exact fan-out reads).</summary>
    public static async Task InstallVisibilityAsync(NpgsqlConnection conn, IReadOnlyList<ShardedTable> tables, CancellationToken ct)
    {
        foreach (var table in tables)
        {
            await WithShortLockAsync(conn, "select datatier_move.install_visibility(to_regclass(quote_ident(@t)), @k)", c =>
            {
                c.Parameters.AddWithValue("t", table.Name);
                c.Parameters.AddWithValue("k", table.KeyColumn);
            }, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Records the ranges a shard must leave out of fan-out reads routed by <paramref name="ring"/>.</summary>
    public static async Task HideAsync(NpgsqlConnection conn, long moveId, string ring, string shard, IReadOnlyList<RingSegment> segments, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            delete from datatier_move.hidden where move_id = @m and ring = @r and shard = @s;
            insert into datatier_move.hidden (ring, shard, hi, lo, includes_lo, move_id)
              select @r, @s, h, l, i, @m from unnest(@hi, @lo, @inc) as x(h, l, i) on conflict (ring, shard, hi) do nothing;
            """, conn) { CommandTimeout = 30 };
        cmd.Parameters.AddWithValue("m", moveId);
        cmd.Parameters.AddWithValue("r", ring);
        cmd.Parameters.AddWithValue("s", shard);
        cmd.Parameters.AddWithValue("hi", segments.Select(x => x.End).ToArray());
        cmd.Parameters.AddWithValue("lo", segments.Select(x => x.Start).ToArray());
        cmd.Parameters.AddWithValue("inc", segments.Select(x => x.IncludesStart).ToArray());
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Forgets the ranges a move hid on a shard.</summary>
    public static async Task UnhideAsync(NpgsqlConnection conn, long moveId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("delete from datatier_move.hidden where move_id = @m", conn) { CommandTimeout = 30 };
        cmd.Parameters.AddWithValue("m", moveId);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Forgets a registration (and so lifts its fence) without touching the triggers: one quick delete.</summary>
    public static async Task UnregisterAsync(NpgsqlConnection conn, long id, CancellationToken ct)
    {
        await using (var cmd = new NpgsqlCommand("delete from datatier_move.sources where move_id = @m", conn) { CommandTimeout = 60 })
        {
            cmd.Parameters.AddWithValue("m", id);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await IdempotencyKeyMoves.ForgetAsync(conn, id, ct).ConfigureAwait(false);
    }

    /// <summary>Stops capturing and forgets the move on a source.</summary>
    public static async Task RemoveCaptureAsync(NpgsqlConnection conn, long moveId, IReadOnlyList<ShardedTable> tables, CancellationToken ct)
    {
        await UnregisterAsync(conn, moveId, ct).ConfigureAwait(false);

        bool others;
        await using (var any = new NpgsqlCommand("select exists (select 1 from datatier_move.sources)", conn))
        {
            others = (bool)(await any.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }

        if (!others)
        {
            foreach (var table in tables)
            {
                await WithShortLockAsync(conn, "select datatier_move.remove_capture(to_regclass(quote_ident(@t)))", c => c.Parameters.AddWithValue("t", table.Name), ct).ConfigureAwait(false);
            }
        }

        // Last: a write that read the registration before it was deleted may still log a key until it ends (dropping
        // the trigger waits for such writes).
        await using (var cmd = new NpgsqlCommand("delete from datatier_move.changes where move_id = @m", conn) { CommandTimeout = 60 })
        {
            cmd.Parameters.AddWithValue("m", moveId);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Fences a source: waits (at most <paramref name="lockTimeoutMs"/>) for every in-flight write to its moving ranges
    /// to end, then makes later ones fail with DTM01. Throws <see cref="PostgresException"/> 55P03 when the wait ran out.
    /// </summary>
    public static async Task FenceAsync(NpgsqlConnection conn, long moveId, int lockTimeoutMs, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var cmd = new NpgsqlCommand(
            $"set local lock_timeout = {Math.Max(1, lockTimeoutMs)}; select pg_advisory_xact_lock(@k); update datatier_move.sources set fenced = true where move_id = @m", conn, tx))
        {
            cmd.Parameters.AddWithValue("k", LockKey(moveId));
            cmd.Parameters.AddWithValue("m", moveId);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Lifts a source's fence: writes to its moving ranges go on there.</summary>
    public static async Task UnfenceAsync(NpgsqlConnection conn, long moveId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("update datatier_move.sources set fenced = false where move_id = @m", conn) { CommandTimeout = 30 };
        cmd.Parameters.AddWithValue("m", moveId);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies one slice of one table from source to target in batches (an upsert: a resumed copy overwrites what an
    /// earlier attempt wrote). Returns the rows copied.
    /// </summary>
    public static async Task<long> CopySliceAsync(NpgsqlConnection source, NpgsqlConnection target, TableShape table, MoveRanges ranges, string from, string to, int slice, int batchRows, Func<int, Task> afterBatch, CancellationToken ct)
    {
        var (low, high) = Slice(slice);
        long copied = 0;
        var batch = new List<string>(batchRows);
        // Streamed, not buffered: a slice can be far larger than memory; each batch is written while the read goes on.
        await using var reader = await source.ExecuteReaderAsync(new CommandDefinition(
            $"select to_jsonb(x)::text as Json from {table.Name} x where {table.Position} between @lo and @hi and (@g::text[])[width_bucket({table.Position}, @t) + 1] = @to",
            new { lo = low, hi = high, g = ranges.TargetsFrom(from), t = ranges.Thresholds, to }, commandTimeout: 0, cancellationToken: ct)).ConfigureAwait(false);
        var parse = reader.GetRowParser<JsonRow>();
        while (true)
        {
            bool more = await reader.ReadAsync(ct).ConfigureAwait(false);
            if (more)
            {
                batch.Add(parse(reader).Json);
            }

            if (batch.Count == batchRows || (!more && batch.Count > 0))
            {
                await UpsertAsync(target, table, batch, ct).ConfigureAwait(false);
                copied += batch.Count;
                await afterBatch(batch.Count).ConfigureAwait(false);
                batch.Clear();
            }

            if (!more)
            {
                return copied;
            }
        }
    }

    /// <summary>Changes captured on a source and not applied yet.</summary>
    public static async Task<long> BacklogAsync(NpgsqlConnection source, long moveId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select count(*) from datatier_move.changes where move_id = @m", source) { CommandTimeout = 30 };
        cmd.Parameters.AddWithValue("m", moveId);
        return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Applies up to <paramref name="batchRows"/> captured changes of a source: each logged row is read again on the
    /// source and its current state (or its absence) written to the target, then its log entries are deleted. Order
    /// does not matter: any later change of a row logs it again. Returns the changes applied per target.
    /// </summary>
    public static async Task<Dictionary<string, int>> CatchUpAsync(NpgsqlConnection source, Func<string, Task<NpgsqlConnection>> target, IReadOnlyDictionary<string, TableShape> tables, MoveRanges ranges, long moveId, string from, int batchRows, CancellationToken ct)
    {
        var entries = (await source.QueryAsync<CapturedChange>(new CommandDefinition(
            "select id as Id, target as Target, table_name as Table, pk::text as Key from datatier_move.changes where move_id = @m order by id limit @n",
            new { m = moveId, n = batchRows }, commandTimeout: 60, cancellationToken: ct)).ConfigureAwait(false)).ToList();

        var applied = new Dictionary<string, int>(StringComparer.Ordinal);
        if (entries.Count == 0)
        {
            return applied;
        }

        string?[] targets = ranges.TargetsFrom(from);
        foreach (var group in entries.GroupBy(e => (e.Target, e.Table)))
        {
            if (!tables.TryGetValue(group.Key.Table, out var table))
            {
                continue;
            }

            string keys = "[" + string.Join(",", group.Select(e => e.Key).Distinct(StringComparer.Ordinal)) + "]";
            var rows = await source.QueryAsync<string>(new CommandDefinition(
                $"""
                select to_jsonb(x)::text from {table.Name} x
                where ({table.KeyList}) in (select {table.KeyList} from jsonb_populate_recordset(null::{table.Name}, @keys::jsonb))
                  and (@g::text[])[width_bucket({table.Position}, @t) + 1] = @to
                """, new { keys, g = targets, t = ranges.Thresholds, to = group.Key.Target }, commandTimeout: 60, cancellationToken: ct)).ConfigureAwait(false);

            var conn = await target(group.Key.Target).ConfigureAwait(false);
            await using (var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false))
            {
                await using (var replace = new NpgsqlCommand(
                    $"""
                    {Apply};
                    delete from {table.Name} where ({table.KeyList}) in (select {table.KeyList} from jsonb_populate_recordset(null::{table.Name}, @keys::jsonb));
                    insert into {table.Name} ({table.ColumnList}) select {table.ColumnList} from jsonb_populate_recordset(null::{table.Name}, @rows::jsonb);
                    """, conn, tx) { CommandTimeout = 60 })
                {
                    replace.Parameters.AddWithValue("keys", keys);
                    replace.Parameters.AddWithValue("rows", "[" + string.Join(",", rows) + "]");
                    await replace.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await tx.CommitAsync(ct).ConfigureAwait(false);
            }

            applied[group.Key.Target] = applied.GetValueOrDefault(group.Key.Target) + group.Count();
        }

        // Only the entries read: one committed after the read (with a lower id) is applied next round.
        await using (var delete = new NpgsqlCommand("delete from datatier_move.changes where id = any(@ids)", source) { CommandTimeout = 60 })
        {
            delete.Parameters.AddWithValue("ids", entries.Select(e => e.Id).ToArray());
            await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        return applied;
    }

    /// <summary>
    /// Rows and an order-independent checksum of one table's rows of a pair's ranges on a shard, leaving out the keys
    /// in <paramref name="excludedKeys"/> (a JSON array of key objects).
    /// </summary>
    public static async Task<(long Rows, decimal Checksum)> ChecksumAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, TableShape table, MoveRanges ranges, string from, string to, string excludedKeys, CancellationToken ct)
    {
        var checksum = await conn.QuerySingleAsync<TableChecksum>(new CommandDefinition(
            $"""
            select count(*) as Rows, coalesce(sum(hashtextextended(to_jsonb(x)::text, 0)::numeric), 0) as Checksum from {table.Name} x
            where (@g::text[])[width_bucket({table.Position}, @t) + 1] = @to
              and ({table.KeyList}) not in (select {table.KeyList} from jsonb_populate_recordset(null::{table.Name}, @keys::jsonb))
            """,
            new { keys = excludedKeys, g = ranges.TargetsFrom(from), t = ranges.Thresholds, to }, tx, commandTimeout: 0, cancellationToken: ct)).ConfigureAwait(false);
        return (checksum.Rows, checksum.Checksum);
    }

    /// <summary>
    /// Deletes, in batches, one table's rows of the ranges that move from <paramref name="from"/> (to
    /// <paramref name="to"/>, or to any shard when null) on a shard: the source's copies after the switch, or a
    /// target's copies when a move is rolled back. Returns the rows deleted.
    /// </summary>
    public static async Task<long> DeleteRangesAsync(NpgsqlConnection conn, TableShape table, MoveRanges ranges, string from, string? to, int batchRows, CancellationToken ct)
    {
        string match = to is null ? "is not null" : "= @to";
        long deleted = 0;
        while (true)
        {
            await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand(
                $"{Apply}; delete from {table.Name} where ctid = any(array(select ctid from {table.Name} x where (@g::text[])[width_bucket({table.Position}, @t) + 1] {match} limit @n))",
                conn, tx) { CommandTimeout = 0 };
            cmd.Parameters.AddWithValue("g", ranges.TargetsFrom(from));
            cmd.Parameters.AddWithValue("t", ranges.Thresholds);
            cmd.Parameters.AddWithValue("n", batchRows);
            if (to is not null)
            {
                cmd.Parameters.AddWithValue("to", to);
            }

            int n = await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            deleted += n;
            if (n == 0)
            {
                return deleted;
            }
        }
    }

    /// <summary>The primary's current WAL insert position.</summary>
    public static async Task<ulong> CurrentLsnAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::int8", conn) { CommandTimeout = 10 };
        return (ulong)(long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    private static async Task UpsertAsync(NpgsqlConnection target, TableShape table, List<string> rows, CancellationToken ct)
    {
        var json = new StringBuilder(rows.Sum(r => r.Length + 1) + 2).Append('[');
        for (int i = 0; i < rows.Count; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(rows[i]);
        }

        json.Append(']');
        await using var tx = await target.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var cmd = new NpgsqlCommand(
            $"{Apply}; insert into {table.Name} ({table.ColumnList}) select {table.ColumnList} from jsonb_populate_recordset(null::{table.Name}, @rows::jsonb) on conflict ({table.KeyList}) {table.UpsertAction}",
            target, tx) { CommandTimeout = 0 })
        {
            cmd.Parameters.AddWithValue("rows", json.ToString());
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    internal static async Task WithShortLockAsync(NpgsqlConnection conn, string sql, Action<NpgsqlCommand> bind, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
                // Short: while this DDL waits for the table's lock, every later reader or writer of the table queues
                // behind it. Writers hold their locks for milliseconds, so a short wait retried soon gets through.
                await using (var cmd = new NpgsqlCommand("set local lock_timeout = 100; " + sql, conn, tx) { CommandTimeout = 30 })
                {
                    bind(cmd);
                    await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await tx.CommitAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable && attempt < 60)
            {
                await Task.Delay(Math.Min(1000, 50 * attempt), ct).ConfigureAwait(false);
            }
        }
    }
}
