using DataTier.Core.Rebalancing;
using Dapper;
using Npgsql;

namespace DataTier.Core.Ownership;

/// <summary>
/// The SQL that keeps a shard's ownership guard (shard migration <c>OwnershipGuardSchema</c>): the trigger on each
/// sharded table and the ring it checks rows against. Runs as the data path's role through the guard's
/// <c>SECURITY DEFINER</c> functions.
/// </summary>
public static class OwnershipGuard
{
    /// <summary>
    /// The SQLSTATE a shard raises for a row it does not own. Its DETAIL reads
    /// <c>owner=ID; shard=ID; position=N; topology_version=N</c>.
    /// </summary>
    public const string WrongShardSqlState = "DTW01";

    /// <summary>What the guard follows, or null before DataTier has told it (it then lets every row through).</summary>
    public static async Task<GuardState?> ReadAsync(NpgsqlConnection conn, CancellationToken ct) =>
        await conn.QuerySingleOrDefaultAsync<GuardState>(new CommandDefinition(
            "select shard as Shard, version as Version, fingerprint as Fingerprint, set_at as SetAt from datatier_guard.ring",
            commandTimeout: 10, cancellationToken: ct)).ConfigureAwait(false);

    /// <summary>The sharded tables of this shard that have no guard trigger yet (or one on another column).</summary>
    public static async Task<IReadOnlyList<ShardedTable>> UnguardedAsync(NpgsqlConnection conn, IReadOnlyList<ShardedTable> tables, CancellationToken ct)
    {
        var guarded = (await conn.QueryAsync<ShardedTable>(new CommandDefinition(
            """
            select c.relname as Name, split_part(encode(t.tgargs, 'escape'), '\000', 1) as KeyColumn
            from pg_trigger t join pg_class c on c.oid = t.tgrelid
            where t.tgname = 'datatier_guard' and not t.tgisinternal and c.relnamespace = 'public'::regnamespace
            """, commandTimeout: 10, cancellationToken: ct)).ConfigureAwait(false)).ToHashSet();
        return tables.Where(t => !guarded.Contains(t)).ToList();
    }

    /// <summary>
    /// Puts the guard trigger on each table. CREATE TRIGGER waits for the table's writers, so each waits briefly for
    /// its lock and fails rather than queue every later writer behind it; the caller tries again later.
    /// </summary>
    public static async Task InstallAsync(NpgsqlConnection conn, IReadOnlyList<ShardedTable> tables, CancellationToken ct)
    {
        foreach (var table in tables)
        {
            await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (var timeout = new NpgsqlCommand("set local lock_timeout = '500ms'", conn, tx))
            {
                await timeout.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await using (var cmd = new NpgsqlCommand("select datatier_guard.install(to_regclass(quote_ident(@t)), @k)", conn, tx) { CommandTimeout = 10 })
            {
                cmd.Parameters.AddWithValue("t", table.Name);
                cmd.Parameters.AddWithValue("k", table.KeyColumn);
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Tells a shard which ring it follows. Moves forward only: a version below the one it has changes nothing
    /// unless <paramref name="force"/> (a move undoing what it wrote for a switch that never committed).
    /// Returns whether the shard changed anything.
    /// </summary>
    public static async Task<bool> SetRingAsync(NpgsqlConnection conn, string shardId, long version, GuardRing ring, bool force, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select datatier_guard.set_ring(@s, @v, @f, @e, @o, @force)", conn) { CommandTimeout = 30 };
        cmd.Parameters.AddWithValue("s", shardId);
        cmd.Parameters.AddWithValue("v", version);
        cmd.Parameters.AddWithValue("f", ring.Fingerprint);
        cmd.Parameters.AddWithValue("e", ring.Ends);
        cmd.Parameters.AddWithValue("o", ring.Owners);
        cmd.Parameters.AddWithValue("force", force);
        return (bool)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    /// <summary>
    /// The owner a DTW01 refusal names: its DETAIL's <c>owner=</c> when the driver passes details on, else its message's
    /// <c>belongs to shard ID by</c> (Npgsql redacts details unless the connection string includes them).
    /// </summary>
    public static string? OwnerOf(string? detail, string? message)
    {
        if (detail is not null && detail.StartsWith("owner=", StringComparison.Ordinal))
        {
            int end = detail.IndexOf(';', StringComparison.Ordinal);
            string owner = end < 0 ? detail[6..] : detail[6..end];
            return owner.Length == 0 ? null : owner;
        }

        const string Marker = "belongs to shard ";
        int at = message?.IndexOf(Marker, StringComparison.Ordinal) ?? -1;
        if (at < 0)
        {
            return null;
        }

        int start = at + Marker.Length, stop = message!.IndexOf(" by ", start, StringComparison.Ordinal);
        string named = stop < 0 ? "" : message[start..stop];
        return named.Length == 0 || named == "(none)" ? null : named;
    }
}
