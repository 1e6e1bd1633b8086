using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace DataTier.Migrations.Indexes;

/// <summary>
/// Applies the reviewed index-advice scripts (<c>sql/advice/*.sql</c>, written by <c>datatier advise --write</c>) to
/// a shard like migrations: each file once, in name order, recorded in <c>public.datatier_sql_migrations</c>.
/// Only files directly in the folder run; the drop scripts the advisor writes go to <c>sql/advice/review/</c> and are
/// never applied by this. Every statement runs outside a transaction (concurrent index builds require it), index
/// builds through <see cref="ConcurrentIndexBuilder"/>.
/// </summary>
public static class SqlAdviceApplier
{
    private const string HistoryTable = "public.datatier_sql_migrations";

    /// <summary>The files that would run, in order.</summary>
    public static IReadOnlyList<string> Scripts(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.sql", SearchOption.TopDirectoryOnly).OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList()
            : [];

    /// <summary>
    /// Runs the scripts of <paramref name="directory"/> not yet applied to the database of
    /// <paramref name="connectionString"/>; with <paramref name="dryRun"/> only writes their SQL to
    /// <paramref name="sqlOut"/>. Returns the names of the files that ran (or would run).
    /// </summary>
    public static IReadOnlyList<string> Apply(string connectionString, string directory, bool dryRun, TextWriter? sqlOut, Action<string>? log = null)
    {
        var scripts = Scripts(directory);
        if (scripts.Count == 0)
        {
            return [];
        }

        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        var applied = AppliedNames(connection);
        var ran = new List<string>();
        foreach (string file in scripts)
        {
            string name = Path.GetFileName(file);
            if (applied.Contains(name))
            {
                continue;
            }

            string text = File.ReadAllText(file);
            var statements = Split(text);
            if (dryRun)
            {
                sqlOut?.WriteLine($"-- {name}");
                foreach (string statement in statements)
                {
                    sqlOut?.WriteLine(statement + ";");
                }

                ran.Add(name);
                continue;
            }

            if (!applied.Exists)
            {
                Execute(connection, $"CREATE TABLE IF NOT EXISTS {HistoryTable} (name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
                applied.Exists = true;
            }

            foreach (string statement in statements)
            {
                if (statement.StartsWith("CREATE", StringComparison.OrdinalIgnoreCase) && statement.Contains("CONCURRENTLY", StringComparison.OrdinalIgnoreCase))
                {
                    var outcome = ConcurrentIndexBuilder.Build(connection, statement, log);
                    log?.Invoke($"{name}: {ConcurrentIndexBuilder.IndexNameOf(statement).Name} {outcome.ToString().ToLowerInvariant()}");
                }
                else
                {
                    Execute(connection, statement);
                }
            }

            using (var record = new NpgsqlCommand($"INSERT INTO {HistoryTable} (name, sha256) VALUES (@n, @h) ON CONFLICT (name) DO NOTHING", connection))
            {
                record.Parameters.AddWithValue("n", name);
                record.Parameters.AddWithValue("h", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
                record.ExecuteNonQuery();
            }

            ran.Add(name);
        }

        return ran;
    }

    /// <summary>The statements of a script: comment lines dropped, split at a semicolon that ends a line.</summary>
    public static IReadOnlyList<string> Split(string script)
    {
        var statements = new List<string>();
        var current = new StringBuilder();
        foreach (string raw in script.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith("--", StringComparison.Ordinal) || line.Trim().Length == 0)
            {
                continue;
            }

            current.AppendLine(line);
            if (line.TrimEnd().EndsWith(';'))
            {
                statements.Add(current.ToString().Trim().TrimEnd(';').Trim());
                current.Clear();
            }
        }

        if (current.ToString().Trim().Length > 0)
        {
            statements.Add(current.ToString().Trim());
        }

        return statements;
    }

    private static AppliedSet AppliedNames(NpgsqlConnection connection)
    {
        var set = new AppliedSet();
        using (var exists = new NpgsqlCommand($"SELECT to_regclass('{HistoryTable}') IS NOT NULL", connection))
        {
            set.Exists = (bool)exists.ExecuteScalar()!;
        }

        if (set.Exists)
        {
            using var cmd = new NpgsqlCommand($"SELECT name FROM {HistoryTable}", connection);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                set.Add(reader.GetString(0));
            }
        }

        return set;
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        cmd.ExecuteNonQuery();
    }

    private sealed class AppliedSet : HashSet<string>
    {
        public AppliedSet()
            : base(StringComparer.Ordinal)
        {
        }

        public bool Exists { get; set; }
    }
}
