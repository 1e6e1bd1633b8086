using FluentMigrator;

namespace DataTier.Migrations.Shard;

/// <summary>
/// The demo schema on every shard, sharded by <c>team_id</c>: primary keys and one index on
/// <c>activity_logs(team_id, created_at)</c> only.
/// </summary>
/// <remarks>
/// The missing secondary indexes and the missing foreign keys are deliberate: shards must not reference
/// each other's rows, and the index advisor needs real, measurable work to find on the demo workload.
/// </remarks>
[Migration(202511230001, "Demo schema: teams, users, tasks, activity_logs, agent_cards")]
[Tags(MigrationTags.Shard)]
public sealed class InitialShardSchema : Migration
{
    private static readonly RawSql Now = RawSql.Insert("now()");
    private static readonly RawSql RandomUuid = RawSql.Insert("gen_random_uuid()");
    private static readonly RawSql EmptyJson = RawSql.Insert("'{}'::jsonb");

    /// <inheritdoc />
    public override void Up()
    {
        Create.Table("teams")
            .WithColumn("team_id").AsString().NotNullable().PrimaryKey("teams_pkey")
            .WithColumn("name").AsString().NotNullable()
            .WithColumn("plan").AsString().NotNullable().WithDefaultValue("free")
            .WithColumn("created_at").AsDateTimeOffset().NotNullable().WithDefaultValue(Now);

        Create.Table("users")
            .WithColumn("team_id").AsString().NotNullable().PrimaryKey("users_pkey")
            .WithColumn("user_id").AsInt64().NotNullable().PrimaryKey("users_pkey")
            .WithColumn("email").AsString().Nullable()
            .WithColumn("created_at").AsDateTimeOffset().Nullable().WithDefaultValue(Now);

        Create.Table("tasks")
            .WithColumn("team_id").AsString().NotNullable().PrimaryKey("tasks_pkey")
            .WithColumn("task_id").AsGuid().NotNullable().PrimaryKey("tasks_pkey").WithDefaultValue(RandomUuid)
            .WithColumn("user_id").AsInt64().Nullable()
            .WithColumn("status").AsString().NotNullable().WithDefaultValue("open")
            .WithColumn("priority").AsInt32().NotNullable().WithDefaultValue(0)
            .WithColumn("title").AsString().NotNullable().WithDefaultValue("")
            .WithColumn("created_at").AsDateTimeOffset().NotNullable().WithDefaultValue(Now)
            .WithColumn("updated_at").AsDateTimeOffset().NotNullable().WithDefaultValue(Now);

        Create.Table("activity_logs")
            .WithColumn("team_id").AsString().NotNullable().PrimaryKey("activity_logs_pkey")
            .WithColumn("log_id").AsGuid().NotNullable().PrimaryKey("activity_logs_pkey").WithDefaultValue(RandomUuid)
            .WithColumn("user_id").AsInt64().Nullable()
            .WithColumn("action").AsString().NotNullable().WithDefaultValue("")
            .WithColumn("details").AsCustom("jsonb").NotNullable().WithDefaultValue(EmptyJson)
            .WithColumn("created_at").AsDateTimeOffset().NotNullable().WithDefaultValue(Now);

        Create.Index("activity_logs_team_id_created_at_idx").OnTable("activity_logs")
            .OnColumn("team_id").Ascending()
            .OnColumn("created_at").Ascending();

        Create.Table("agent_cards")
            .WithColumn("team_id").AsString().NotNullable().PrimaryKey("agent_cards_pkey")
            .WithColumn("agent_id").AsInt64().NotNullable().PrimaryKey("agent_cards_pkey")
            .WithColumn("card").AsCustom("jsonb").NotNullable().WithDefaultValue(EmptyJson)
            .WithColumn("updated_at").AsDateTimeOffset().NotNullable().WithDefaultValue(Now);
    }

    /// <inheritdoc />
    public override void Down()
    {
        Delete.Table("agent_cards");
        Delete.Table("activity_logs");
        Delete.Table("tasks");
        Delete.Table("users");
        Delete.Table("teams");
    }
}
