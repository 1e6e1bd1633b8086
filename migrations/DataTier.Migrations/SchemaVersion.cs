using System.Reflection;
using FluentMigrator;
using Npgsql;

namespace DataTier.Migrations;

/// <summary>Which migrations of a set a database has had, against what this build expects.</summary>
public static class SchemaVersion
{
    /// <summary>The highest migration version of <paramref name="set"/> in this build.</summary>
    public static long Latest(MigrationSet set)
    {
        string tag = MigrationTags.For(set);
        return typeof(SchemaVersion).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributes<TagsAttribute>().Any(a => a.TagNames.Contains(tag)))
            .Select(t => t.GetCustomAttribute<MigrationAttribute>()?.Version ?? 0)
            .Max();
    }

    /// <summary>The highest version applied to the database (0 when it has had none).</summary>
    public static async Task<long> AppliedAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('public.\"VersionInfo\"') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return 0;
            }
        }

        await using var cmd = new NpgsqlCommand("SELECT coalesce(max(\"Version\"), 0) FROM public.\"VersionInfo\"", connection);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
