using FluentMigrator.Runner;
using FluentMigrator.Runner.Initialization;
using FluentMigrator.Runner.Logging;
using FluentMigrator.Runner.Processors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataTier.Migrations;

/// <summary>Applies one <see cref="MigrationSet"/> of this assembly to one PostgreSQL database, in process.</summary>
public static class MigrationApplier
{
    /// <summary>
    /// Runs the pending migrations of <paramref name="set"/> against the database of
    /// <paramref name="connectionString"/> (a role that may run DDL there). Idempotent: a second call runs nothing.
    /// </summary>
    /// <param name="connectionString">Npgsql connection string of the target database.</param>
    /// <param name="set">Which migrations: the shard or the catalog set.</param>
    /// <param name="dryRun">Run nothing; only report (and write to <paramref name="sqlOut"/>) what would run.</param>
    /// <param name="sqlOut">Receives the SQL that runs (or would run), as a script; null for none.</param>
    public static MigrationReport Apply(string connectionString, MigrationSet set, bool dryRun, TextWriter? sqlOut) =>
        Apply(connectionString, set, MigrationTags.For(set), typeof(MigrationApplier).Assembly, dryRun, sqlOut);

    /// <summary>Runs the pending migrations tagged <paramref name="tag"/> in <paramref name="assembly"/> (tests bring their own).</summary>
    internal static MigrationReport Apply(string connectionString, MigrationSet set, string tag, System.Reflection.Assembly assembly, bool dryRun, TextWriter? sqlOut)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(rb => rb
                .AddPostgres15_0()
                .WithGlobalConnectionString(connectionString)
                .ScanIn(assembly).For.Migrations())
            .Configure<RunnerOptions>(o => o.Tags = [tag])
            .Configure<ProcessorOptions>(o => o.PreviewOnly = dryRun);
        if (sqlOut is not null)
        {
            // disposeWriter: false — the writer belongs to the caller.
            var options = new SqlScriptFluentMigratorLoggerOptions { ShowSql = true, OutputSemicolonDelimiter = false };
            services.AddSingleton<ILoggerProvider>(new SqlScriptFluentMigratorLoggerProvider(sqlOut, options, false));
        }

        using var provider = services.BuildServiceProvider(validateScopes: false);
        using var scope = provider.CreateScope();
        var runner = scope.ServiceProvider.GetRequiredService<IMigrationRunner>();
        var versions = scope.ServiceProvider.GetRequiredService<IVersionLoader>();

        // Work out what is pending before running, because the runner reports nothing back.
        var pending = runner.MigrationLoader.LoadMigrations()
            .Where(m => !versions.VersionInfo.HasAppliedMigration(m.Key))
            .Select(m => new MigrationVersion(m.Key, m.Value.Description ?? m.Value.Migration.GetType().Name))
            .OrderBy(m => m.Version)
            .ToList();

        if (pending.Count > 0)
        {
            runner.MigrateUp();
        }

        sqlOut?.Flush();
        return new MigrationReport(set, dryRun, pending);
    }
}
