using System.Text.Json;
using DataTier.Core.Catalog;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace DataTier.Core.Advice;

/// <summary>The advisor's state in the catalog: runs, advice with its evidence, and the counters deltas start from.</summary>
public sealed class AdviceStore(CatalogDatabase catalog)
{
    // One advisor run at a time across every DataTier instance sharing the catalog.
    private const long RunLockKey = 0x4454_4144_5649_5345;

    /// <summary>JSON shape of stored reports.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Takes the cluster-wide run lock on a connection held for the run; null when another run holds it.</summary>
    public async Task<NpgsqlConnection?> TryLockAsync(CancellationToken cancellationToken)
    {
        var connection = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(@k)", connection);
        cmd.Parameters.AddWithValue("k", RunLockKey);
        if ((bool)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            return connection;
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    /// <summary>Records the start of a run.</summary>
    public async Task<long> BeginRunAsync(NpgsqlConnection connection, string trigger, string instance, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("INSERT INTO datatier.advisor_runs (state, trigger, instance) VALUES ('running', @t, @i) RETURNING id", connection);
        cmd.Parameters.AddWithValue("t", trigger);
        cmd.Parameters.AddWithValue("i", instance);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Records a run that did not start because another held the lock (so every firing leaves a trace).</summary>
    public async Task RecordSkippedAsync(string trigger, string instance, CancellationToken cancellationToken)
    {
        await using var connection = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO datatier.advisor_runs (state, trigger, instance, finished_at, error) VALUES ('skipped', @t, @i, now(), 'another run was in progress')", connection);
        cmd.Parameters.AddWithValue("t", trigger);
        cmd.Parameters.AddWithValue("i", instance);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records the end of a run: its report and advice rows, or its error.</summary>
    public async Task FinishRunAsync(NpgsqlConnection connection, long runId, AdviceReport? report, string? error, CancellationToken cancellationToken)
    {
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var cmd = new NpgsqlCommand("UPDATE datatier.advisor_runs SET state = @s, finished_at = now(), summary = @r, error = @e WHERE id = @id", connection, tx))
        {
            cmd.Parameters.AddWithValue("s", error is null ? "done" : "failed");
            cmd.Parameters.Add(new NpgsqlParameter("r", NpgsqlDbType.Jsonb) { Value = report is null ? DBNull.Value : JsonSerializer.Serialize(report, Json) });
            cmd.Parameters.AddWithValue("e", (object?)error ?? DBNull.Value);
            cmd.Parameters.AddWithValue("id", runId);
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (report is not null)
        {
            var rows = report.Recommendations.Select(r => ("create", r.Table, r.IndexName, r.Columns, r.CreateSql, (object)r))
                .Concat(report.Unused.Select(f => ("drop_unused", f.Table, f.IndexName, (IReadOnlyList<string>)[], f.DropSql, (object)f)))
                .Concat(report.Duplicates.Select(f => ("drop_duplicate", f.Table, f.IndexName, (IReadOnlyList<string>)[], f.DropSql, (object)f)))
                .Concat(report.Invalid.Select(f => ("rebuild_invalid", f.Table, f.IndexName, (IReadOnlyList<string>)[], f.Definition, (object)f)));
            foreach (var (kind, table, index, columns, definition, evidence) in rows)
            {
                await using var cmd = new NpgsqlCommand(
                    "INSERT INTO datatier.index_advice (run_id, kind, table_name, index_name, columns, definition, evidence) VALUES (@run, @k, @t, @i, @c, @d, @ev)", connection, tx);
                cmd.Parameters.AddWithValue("run", runId);
                cmd.Parameters.AddWithValue("k", kind);
                cmd.Parameters.AddWithValue("t", table);
                cmd.Parameters.AddWithValue("i", index);
                cmd.Parameters.AddWithValue("c", columns.ToArray());
                cmd.Parameters.AddWithValue("d", definition);
                cmd.Parameters.Add(new NpgsqlParameter("ev", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(evidence, evidence.GetType(), Json) });
                await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The statement counters per (node, queryid) the last run ended with.</summary>
    public async Task<Dictionary<(string Node, long QueryId), StatementCounters>> StatementBaselinesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(string, long), StatementCounters>();
        var rows = await connection.QueryAsync<StatementBaseline>(new CommandDefinition(
            "SELECT node_id AS NodeId, queryid AS QueryId, calls AS Calls, total_exec_ms AS TotalExecMs FROM datatier.advisor_baselines",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var row in rows)
        {
            result[(row.NodeId, row.QueryId)] = new StatementCounters(row.Calls, row.TotalExecMs);
        }

        return result;
    }

    /// <summary>When the advisor's first completed run ended (its first baseline), or null before any.</summary>
    public async Task<DateTimeOffset?> FirstBaselineAtAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // Npgsql reads timestamptz as a UTC DateTime.
        var at = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT min(finished_at) FROM datatier.advisor_runs WHERE state = 'done'", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return at is { } utc ? new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) : null;
    }

    /// <summary>When the last completed run ended (its baselines are the start of the next run's window), or null before any.</summary>
    public async Task<DateTimeOffset?> LastBaselineAtAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var at = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT max(finished_at) FROM datatier.advisor_runs WHERE state = 'done'", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return at is { } utc ? new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) : null;
    }

    /// <summary>Rows written per (node, table) when the last run ended.</summary>
    public async Task<Dictionary<(string Node, string Table), long>> TableBaselinesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(string, string), long>();
        var rows = await connection.QueryAsync<TableBaseline>(new CommandDefinition(
            "SELECT node_id AS NodeId, table_name AS TableName, writes AS Writes FROM datatier.advisor_table_baselines",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var row in rows)
        {
            result[(row.NodeId, row.TableName)] = row.Writes;
        }

        return result;
    }

    /// <summary>Replaces the baselines with the counters as they are now, for the next run's deltas.</summary>
    public async Task SaveBaselinesAsync(NpgsqlConnection connection, IReadOnlyDictionary<(string Node, long QueryId), StatementCounters> statements,
        IReadOnlyDictionary<(string Node, string Table), long> tables, CancellationToken cancellationToken)
    {
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var clear = new NpgsqlCommand("DELETE FROM datatier.advisor_baselines; DELETE FROM datatier.advisor_table_baselines", connection, tx))
        {
            await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var insert = new NpgsqlCommand(
            "INSERT INTO datatier.advisor_baselines (node_id, queryid, calls, total_exec_ms) SELECT * FROM unnest(@n, @q, @c, @t)", connection, tx))
        {
            insert.Parameters.AddWithValue("n", statements.Keys.Select(k => k.Node).ToArray());
            insert.Parameters.AddWithValue("q", statements.Keys.Select(k => k.QueryId).ToArray());
            insert.Parameters.AddWithValue("c", statements.Values.Select(v => v.Calls).ToArray());
            insert.Parameters.AddWithValue("t", statements.Values.Select(v => v.TotalExecMs).ToArray());
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var insert = new NpgsqlCommand(
            "INSERT INTO datatier.advisor_table_baselines (node_id, table_name, writes) SELECT * FROM unnest(@n, @t, @w)", connection, tx))
        {
            insert.Parameters.AddWithValue("n", tables.Keys.Select(k => k.Node).ToArray());
            insert.Parameters.AddWithValue("t", tables.Keys.Select(k => k.Table).ToArray());
            insert.Parameters.AddWithValue("w", tables.Values.ToArray());
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The report of a run (the latest finished one when <paramref name="runId"/> is null), or null.</summary>
    public async Task<string?> ReportJsonAsync(long? runId, CancellationToken cancellationToken)
    {
        await using var connection = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            runId is null
                ? "SELECT summary::text FROM datatier.advisor_runs WHERE state = 'done' ORDER BY id DESC LIMIT 1"
                : "SELECT summary::text FROM datatier.advisor_runs WHERE id = @id AND state = 'done'", connection);
        if (runId is not null)
        {
            cmd.Parameters.AddWithValue("id", runId.Value);
        }

        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>Marks a run's create advice as written to <paramref name="path"/>.</summary>
    public async Task MarkWrittenAsync(long runId, string path, CancellationToken cancellationToken)
    {
        await using var connection = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("UPDATE datatier.index_advice SET status = 'written', written_to = @p WHERE run_id = @id AND kind = 'create'", connection);
        cmd.Parameters.AddWithValue("p", path);
        cmd.Parameters.AddWithValue("id", runId);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
