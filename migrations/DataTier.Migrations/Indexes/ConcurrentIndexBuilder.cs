using System.Text.RegularExpressions;
using Npgsql;

namespace DataTier.Migrations.Indexes;

/// <summary>
/// Builds one index with <c>CREATE INDEX CONCURRENTLY</c> on a connection that is not in a transaction: writes go
/// on during the build, a busy table makes it wait at most <see cref="LockTimeout"/> per attempt and retry, and an
/// INVALID index left by an earlier failed build (PostgreSQL leaves one behind when a concurrent build fails) is
/// dropped concurrently and built again instead of being mistaken for a finished one.
/// </summary>
public static partial class ConcurrentIndexBuilder
{
    /// <summary>How long one attempt may wait for the table's lock before it gives up and retries.</summary>
    public static TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts before the build fails.</summary>
    public const int MaxAttempts = 8;

    /// <summary>What one call did.</summary>
    public enum Outcome
    {
        /// <summary>A valid index of that name existed: nothing ran.</summary>
        AlreadyValid,

        /// <summary>The index was built.</summary>
        Built,

        /// <summary>An INVALID index of that name was dropped and the index built again.</summary>
        Rebuilt,
    }

    /// <summary>
    /// Runs <paramref name="createSql"/> (one <c>CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON ...</c>)
    /// on <paramref name="connection"/>, which must be open and outside any transaction.
    /// </summary>
    public static Outcome Build(NpgsqlConnection connection, string createSql, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var (schema, name) = IndexNameOf(createSql);
        bool rebuilt = false;
        for (int attempt = 1; ; attempt++)
        {
            switch (StateOf(connection, schema, name))
            {
                case true:
                    return rebuilt ? Outcome.Rebuilt : Outcome.AlreadyValid;
                case false:
                    log?.Invoke($"index {name} is INVALID (an earlier build failed): dropping it to build it again");
                    Run(connection, $"DROP INDEX CONCURRENTLY IF EXISTS {Qualified(schema, name)}");
                    rebuilt = true;
                    break;
            }

            try
            {
                Run(connection, $"SET lock_timeout = {(int)LockTimeout.TotalMilliseconds}");
                Run(connection, createSql);
                Run(connection, "RESET lock_timeout");
                return rebuilt ? Outcome.Rebuilt : Outcome.Built;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable && attempt < MaxAttempts)
            {
                // The failed attempt may have left an INVALID index; the next round drops it first.
                log?.Invoke($"index {name}: lock wait exceeded {LockTimeout.TotalMilliseconds:0} ms (attempt {attempt}), retrying");
                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(250 * attempt, 2000)));
            }
        }
    }

    /// <summary>True for a valid index of that name, false for an INVALID one, null when there is none.</summary>
    public static bool? StateOf(NpgsqlConnection connection, string? schema, string name)
    {
        using var cmd = new NpgsqlCommand(
            """
            select i.indisvalid and i.indisready from pg_index i join pg_class c on c.oid = i.indexrelid
            join pg_namespace n on n.oid = c.relnamespace
            where c.relname = @name and n.nspname = coalesce(@schema, current_schema())
            """, connection);
        cmd.Parameters.AddWithValue("name", name);
        cmd.Parameters.AddWithValue("schema", (object?)schema ?? DBNull.Value);
        cmd.Parameters["schema"].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        return cmd.ExecuteScalar() is bool valid ? valid : null;
    }

    /// <summary>The (optional) schema and the name of the index a CREATE INDEX statement builds.</summary>
    public static (string? Schema, string Name) IndexNameOf(string createSql)
    {
        var m = CreateIndex().Match(createSql);
        if (!m.Success)
        {
            throw new ArgumentException($"Not a named CREATE INDEX CONCURRENTLY statement: {createSql}", nameof(createSql));
        }

        return (m.Groups["schema"].Success ? Unquote(m.Groups["schema"].Value) : null, Unquote(m.Groups["name"].Value));
    }

    private static string Unquote(string identifier) =>
        identifier.StartsWith('"') ? identifier[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : identifier.ToLowerInvariant();

    private static string Qualified(string? schema, string name) =>
        schema is null ? Quote(name) : Quote(schema) + "." + Quote(name);

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void Run(NpgsqlConnection connection, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        cmd.ExecuteNonQuery();
    }

    [GeneratedRegex("""^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:(?<schema>"(?:[^"]|"")+"|\w+)\.)?(?<name>"(?:[^"]|"")+"|\w+)\s+ON\s""", RegexOptions.IgnoreCase)]
    private static partial Regex CreateIndex();
}
