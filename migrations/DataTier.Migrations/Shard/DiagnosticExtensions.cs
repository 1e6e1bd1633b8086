using FluentMigrator;

namespace DataTier.Migrations.Shard;

/// <summary>
/// The extensions the diagnostics and the index advisor read: <c>pg_stat_statements</c>, <c>hypopg</c>
/// and <c>pg_qualstats</c>.
/// </summary>
/// <remarks>
/// None of the three is a trusted extension, so a non-superuser migration role can only get past this
/// migration when a superuser has created them already (the dev cluster does so in <c>template1</c>);
/// <c>IF NOT EXISTS</c> makes this a no-op then. <c>pg_stat_statements</c> and <c>pg_qualstats</c> also
/// need <c>shared_preload_libraries</c> to collect anything.
/// </remarks>
[Migration(202511230002, "Extensions: pg_stat_statements, hypopg, pg_qualstats")]
[Tags(MigrationTags.Shard)]
public sealed class DiagnosticExtensions : Migration
{
    /// <inheritdoc />
    public override void Up()
    {
        Execute.Sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;");
        Execute.Sql("CREATE EXTENSION IF NOT EXISTS hypopg;");
        Execute.Sql("CREATE EXTENSION IF NOT EXISTS pg_qualstats;");
    }

    /// <inheritdoc />
    public override void Down()
    {
        Execute.Sql("DROP EXTENSION IF EXISTS pg_qualstats;");
        Execute.Sql("DROP EXTENSION IF EXISTS hypopg;");
        Execute.Sql("DROP EXTENSION IF EXISTS pg_stat_statements;");
    }
}
