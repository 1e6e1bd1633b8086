using FluentMigrator;

namespace DataTier.Migrations.Catalog;

/// <summary>
/// The catalog: schema <c>datatier</c> with the topology history and the list of sharded tables (seeded with
/// the five demo tables, all sharded by <c>team_id</c>).
/// </summary>
[Migration(202511230101, "Catalog: datatier.topology_versions, datatier.sharded_tables")]
[Tags(MigrationTags.Catalog)]
public sealed class InitialCatalogSchema : Migration
{
    private const string SchemaName = "datatier";

    private static readonly string[] DemoTables = ["teams", "users", "tasks", "activity_logs", "agent_cards"];

    /// <inheritdoc />
    public override void Up()
    {
        Create.Schema(SchemaName);

        Create.Table("topology_versions").InSchema(SchemaName)
            .WithColumn("version").AsInt64().NotNullable().PrimaryKey("topology_versions_pkey")
            .WithColumn("document").AsCustom("jsonb").NotNullable()
            .WithColumn("created_at").AsDateTimeOffset().NotNullable().WithDefaultValue(RawSql.Insert("now()"));

        Create.Table("sharded_tables").InSchema(SchemaName)
            .WithColumn("table_name").AsString().NotNullable().PrimaryKey("sharded_tables_pkey")
            .WithColumn("shard_key_column").AsString().NotNullable();

        foreach (string table in DemoTables)
        {
            Insert.IntoTable("sharded_tables").InSchema(SchemaName)
                .Row(new Dictionary<string, object> { ["table_name"] = table, ["shard_key_column"] = "team_id" });
        }
    }

    /// <inheritdoc />
    public override void Down()
    {
        Delete.Table("sharded_tables").InSchema(SchemaName);
        Delete.Table("topology_versions").InSchema(SchemaName);
        Delete.Schema(SchemaName);
    }
}
