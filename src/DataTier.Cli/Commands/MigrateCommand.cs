using DataTier.Cli.Arguments;
using DataTier.DevCluster;
using DataTier.Migrations;
using DataTier.Migrations.Indexes;
using Npgsql;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>datatier migrate catalog|shards</c>: applies a migration set to the catalog or to every shard primary,
/// of the running dev cluster or of the connection strings given.
/// </summary>
internal static class MigrateCommand
{
    public const string Usage = "migrate catalog|shards [--dry-run] [--catalog CONN] [--shard CONN]... [--advice-dir D] [--dir D]";

    public static async Task<int> RunAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string? which = args.Positional();
        bool dryRun = args.Flag("--dry-run");
        string? catalog = args.Option("--catalog");
        var shards = args.Options("--shard");
        string? dir = args.Option("--dir");
        string adviceDir = CliEnvironment.AdviceDir(args.Option("--advice-dir"));
        args.EnsureAllUsed();

        MigrationSet set = which switch
        {
            "catalog" => MigrationSet.Catalog,
            "shards" => MigrationSet.Shard,
            _ => throw new UsageException($"Say what to migrate: {Usage}"),
        };
        if (set == MigrationSet.Catalog && shards.Count > 0)
        {
            throw new UsageException("--shard goes with 'migrate shards'; for the catalog use --catalog CONN.");
        }

        if (set == MigrationSet.Shard && catalog is not null)
        {
            throw new UsageException("--catalog goes with 'migrate catalog'; for shards use --shard CONN (repeated).");
        }

        var targets = set == MigrationSet.Catalog
            ? (catalog is not null ? [(Describe(catalog), catalog)] : FromDevCluster(dir, m => [("catalog", m.CatalogAdmin)]))
            : (shards.Count > 0 ? shards.Select(s => (Describe(s), s)).ToList() : FromDevCluster(dir, m => m.Shards.Select(s => (s.Id, s.PrimaryAdmin)).ToList()));

        // With --dry-run stdout is an SQL script: the summary goes in as comments.
        foreach (var (name, connectionString) in targets)
        {
            ct.ThrowIfCancellationRequested();
            if (dryRun)
            {
                await stdout.WriteLineAsync($"-- {name}").ConfigureAwait(false);
            }

            MigrationReport report;
            try
            {
                report = await Task.Run(() => MigrationApplier.Apply(connectionString, set, dryRun, dryRun ? stdout : null), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException || e.InnerException is NpgsqlException)
            {
                // FluentMigrator may wrap the database error; say which target failed and why.
                var cause = e as NpgsqlException ?? (NpgsqlException)e.InnerException!;
                await stderr.WriteLineAsync($"datatier: migrating {name} failed: {cause.Message}").ConfigureAwait(false);
                return 1;
            }

            if (set == MigrationSet.Shard)
            {
                // The reviewed index advice (sql/advice/*.sql) goes to every shard after the schema migrations.
                IReadOnlyList<string> scripts;
                try
                {
                    scripts = await Task.Run(() => SqlAdviceApplier.Apply(connectionString, adviceDir, dryRun, dryRun ? stdout : null,
                        line => stderr.WriteLine($"{name}: {line}")), ct).ConfigureAwait(false);
                }
                catch (Npgsql.PostgresException e)
                {
                    await stderr.WriteLineAsync($"datatier: applying index advice to {name} failed: {e.MessageText}").ConfigureAwait(false);
                    return 1;
                }

                if (scripts.Count > 0)
                {
                    string line = $"{name}: {(dryRun ? "would apply" : "applied")} index advice {string.Join(", ", scripts)}";
                    await (dryRun ? stdout.WriteLineAsync("-- " + line) : stdout.WriteLineAsync(line)).ConfigureAwait(false);
                }
            }

            string summary = report.UpToDate
                ? $"{name}: up to date"
                : $"{name}: {(dryRun ? "would apply" : "applied")} {string.Join(", ", report.Ran.Select(m => $"{m.Version} ({m.Description})"))}";
            await (dryRun ? stdout.WriteLineAsync("-- " + summary) : stdout.WriteLineAsync(summary)).ConfigureAwait(false);
        }

        await stderr.FlushAsync(ct).ConfigureAwait(false);
        return 0;
    }

    private static List<(string Name, string ConnectionString)> FromDevCluster(
        string? dir, Func<ClusterManifest, List<(string, string)>> select)
    {
        string baseDir = CliEnvironment.DevDir(dir);
        var manifest = LocalCluster.Status(baseDir)
            ?? throw new UsageException(
                $"No running dev cluster in {baseDir} to migrate. Start one (./datatier dev up) or give the databases: " +
                "--catalog CONN / --shard CONN.");
        return select(manifest);
    }

    /// <summary>Host, port and database only: never print a password.</summary>
    private static string Describe(string connectionString)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{b.Host}:{b.Port}/{b.Database}";
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"Not a valid Npgsql connection string: {e.Message}");
        }
    }
}
