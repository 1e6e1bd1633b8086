using System.CommandLine;
using DataTier.CommandLine;
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
    public static Command Build()
    {
        var command = new DocumentedCommand("migrate", "Apply the catalog or the shard migrations to the dev cluster, or to the databases given.",
            "datatier migrate catalog",
            "datatier migrate shards --dry-run > shards.sql")
        {
            BuildCatalog(),
            BuildShards(),
        };
        return command;
    }

    private static Command BuildCatalog()
    {
        var dryRun = DryRunOption();
        var catalog = new Option<string?>("--catalog") { Description = "The catalog's Npgsql connection string (default: the dev cluster's).", HelpName = "CONN" };
        var dir = DevDirOption.Create();
        var command = new DocumentedCommand("catalog", "Apply the catalog migrations.",
            "datatier migrate catalog",
            "datatier migrate catalog --catalog \"Host=db1;Database=datatier_catalog;Username=admin;Password=...\" --dry-run") { dryRun, catalog, dir };
        command.SetAction((parsed, ct) => RunAsync(MigrationSet.Catalog, parsed.GetValue(dryRun), parsed.GetValue(catalog), [], parsed.GetValue(dir),
            adviceDir: "", parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, ct));
        return command;
    }

    private static Command BuildShards()
    {
        var dryRun = DryRunOption();
        var shards = new Option<string[]>("--shard") { Description = "A shard primary's Npgsql connection string; repeat it for each (default: the dev cluster's).", HelpName = "CONN" };
        var adviceDir = new Option<string?>("--advice-dir") { Description = "The reviewed index advice applied after the schema (default: <repo>/sql/advice).", HelpName = "D" };
        var dir = DevDirOption.Create();
        var command = new DocumentedCommand("shards", "Apply the shard migrations, then the reviewed index advice (sql/advice/*.sql), to every shard primary.",
            "datatier migrate shards",
            "datatier migrate shards --shard \"Host=db1;...\" --shard \"Host=db2;...\" --advice-dir sql/advice")
        {
            dryRun, shards, adviceDir, dir,
        };
        command.SetAction((parsed, ct) => RunAsync(MigrationSet.Shard, parsed.GetValue(dryRun), catalog: null, parsed.GetValue(shards) ?? [], parsed.GetValue(dir),
            CliEnvironment.AdviceDir(parsed.GetValue(adviceDir)), parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, ct));
        return command;
    }

    private static Option<bool> DryRunOption() =>
        new("--dry-run") { Description = "Apply nothing: print the SQL that would run as one script on stdout." };

    private static async Task<int> RunAsync(MigrationSet set, bool dryRun, string? catalog, IReadOnlyList<string> shards, string? dir, string adviceDir,
        TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
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
                return ExitCodes.Failed;
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
                    return ExitCodes.Failed;
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
        return ExitCodes.Ok;
    }

    private static List<(string Name, string ConnectionString)> FromDevCluster(
        string? dir, Func<ClusterManifest, List<(string, string)>> select)
    {
        string baseDir = CliEnvironment.DevDir(dir);
        var manifest = LocalCluster.Status(baseDir)
            ?? throw new DevClusterException(
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
