using System.Text.Json;
using DataTier.Core.Catalog;
using DataTier.Core.Topology;
using Dapper;
using Npgsql;

namespace DataTier.Core.Rebalancing.Moves;

/// <summary>
/// Moves in the catalog (<c>datatier.rebalance_moves</c>). An instance drives a move only while it holds its lease,
/// renewed every second with the progress; every write of a driver is conditional on still holding it, so an instance
/// that lost its lease (paused, partitioned) cannot overwrite the one that took the move over.
/// </summary>
public sealed class MoveStore(CatalogDatabase catalog)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Columns =
        "id as Id, state as State, spec::text as Spec, progress::text as Progress, error as Error, owner as Owner, " +
        "cancel_requested as CancelRequested, created_at as CreatedAt, updated_at as UpdatedAt, finished_at as FinishedAt";

    /// <summary>
    /// Records a new running move, leased to the instance that starts it (so it, not another, drives it from the
    /// start); refused when one is running already.
    /// </summary>
    public async Task<long> InsertAsync(MoveSpec spec, MoveProgress progress, string instance, int leaseSeconds, CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            """
            insert into datatier.rebalance_moves (state, phase, spec, progress, owner, lease_until)
            values ('running', @p, @s::jsonb, @g::jsonb, @i, now() + make_interval(secs => @l)) returning id
            """, conn);
        cmd.Parameters.AddWithValue("i", instance);
        cmd.Parameters.AddWithValue("l", (double)leaseSeconds);
        cmd.Parameters.AddWithValue("p", progress.Phase);
        cmd.Parameters.AddWithValue("s", JsonSerializer.Serialize(spec, Json));
        cmd.Parameters.AddWithValue("g", JsonSerializer.Serialize(progress, Json));
        try
        {
            return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new TopologyChangeException("rebalance-running", "A move is running already; wait for it (GET /admin/rebalance) or cancel it.", conflict: true);
        }
    }

    /// <summary>Takes a running move leased to this instance and not driven yet, or one whose lease has run out.</summary>
    public async Task<MoveRecord?> ClaimAsync(string instance, int leaseSeconds, CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadOneAsync(conn, new CommandDefinition(
            $"""
            update datatier.rebalance_moves set owner = @i, lease_until = now() + make_interval(secs => @l), updated_at = now()
            where id = (select id from datatier.rebalance_moves where state = 'running' and (lease_until < now() or owner = @i) order by id limit 1 for update skip locked)
            returning {Columns}
            """, new { i = instance, l = (double)leaseSeconds }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Renews the lease and stores the progress. Returns whether this instance still holds the move, and whether a
    /// cancel was asked for.
    /// </summary>
    public async Task<(bool Held, bool CancelRequested)> RenewAsync(long id, string instance, int leaseSeconds, MoveProgress progress, CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            """
            update datatier.rebalance_moves set lease_until = now() + make_interval(secs => @l), phase = @p, progress = @g::jsonb, updated_at = now()
            where id = @id and owner = @i and state = 'running' returning cancel_requested
            """, conn);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("i", instance);
        cmd.Parameters.AddWithValue("l", (double)leaseSeconds);
        cmd.Parameters.AddWithValue("p", progress.Phase);
        cmd.Parameters.AddWithValue("g", JsonSerializer.Serialize(progress, Json));
        var result = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return result is bool cancel ? (true, cancel) : (false, false);
    }

    /// <summary>Stores the progress inside another catalog transaction (the switch); fails when the lease is lost.</summary>
    public static async Task RecordInTransactionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, string instance, MoveProgress progress, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(
            "update datatier.rebalance_moves set phase = @p, progress = @g::jsonb, updated_at = now() where id = @id and owner = @i and state = 'running'", conn, tx);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("i", instance);
        cmd.Parameters.AddWithValue("p", progress.Phase);
        cmd.Parameters.AddWithValue("g", JsonSerializer.Serialize(progress, Json));
        if (await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            throw new MoveLeaseLostException(id);
        }
    }

    /// <summary>Ends a move (done, failed or cancelled) if this instance still holds it.</summary>
    public async Task<bool> FinishAsync(long id, string instance, string state, MoveProgress progress, string? error, CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            """
            update datatier.rebalance_moves set state = @s, phase = @p, progress = @g::jsonb, error = @e, updated_at = now(), finished_at = now()
            where id = @id and owner = @i and state = 'running'
            """, conn);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("i", instance);
        cmd.Parameters.AddWithValue("s", state);
        cmd.Parameters.AddWithValue("p", progress.Phase);
        cmd.Parameters.AddWithValue("g", JsonSerializer.Serialize(progress, Json));
        cmd.Parameters.AddWithValue("e", (object?)error ?? DBNull.Value);
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Gives the lease back at once (a graceful stop), so a restarted instance resumes without waiting.</summary>
    public async Task ReleaseAsync(long id, string instance, CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("update datatier.rebalance_moves set lease_until = now(), owner = null where id = @id and owner = @i and state = 'running'", conn);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("i", instance);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the driver of a running move to cancel it; returns the move as it was, or null when unknown.</summary>
    public async Task<MoveRecord?> RequestCancelAsync(long id, CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadOneAsync(conn, new CommandDefinition(
            $"update datatier.rebalance_moves set cancel_requested = true where id = @id and state = 'running' and phase in ('preparing', 'copying', 'catching-up', 'fencing') returning {Columns}",
            new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>One move, or null.</summary>
    public async Task<MoveRecord?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadOneAsync(conn, new CommandDefinition(
            $"select {Columns} from datatier.rebalance_moves where id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The newest moves first.</summary>
    public async Task<IReadOnlyList<MoveRecord>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await conn.QueryAsync<MoveRow>(new CommandDefinition(
            $"select {Columns} from datatier.rebalance_moves order by id desc limit @n", new { n = limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(ToRecord).ToList();
    }

    // At most one row: the statements select or update by primary key (or limit 1).
    private static async Task<MoveRecord?> ReadOneAsync(NpgsqlConnection conn, CommandDefinition command) =>
        await conn.QuerySingleOrDefaultAsync<MoveRow>(command).ConfigureAwait(false) is { } row ? ToRecord(row) : null;

    private static MoveRecord ToRecord(MoveRow row) => new(
        row.Id,
        row.State,
        JsonSerializer.Deserialize<MoveSpec>(row.Spec, Json)!,
        JsonSerializer.Deserialize<MoveProgress>(row.Progress, Json)!,
        row.Error,
        row.Owner,
        row.CancelRequested,
        new DateTimeOffset(row.CreatedAt),
        new DateTimeOffset(row.UpdatedAt),
        row.FinishedAt is { } finished ? new DateTimeOffset(finished) : null);
}
