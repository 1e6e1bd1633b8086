using FluentMigrator;

namespace DataTier.Migrations.Catalog;

/// <summary>
/// The catalog tables of the scheduled jobs: Quartz's clustered job store (under <c>datatier.qrtz_</c>, created from
/// the schema script Quartz ships inside its own assembly, so it always matches the Quartz version we run), and the
/// index advisor's runs, advice with its evidence, and the pg_stat_statements baselines its deltas start from.
/// </summary>
[Migration(202611230101, "Catalog: Quartz job store, index advisor runs/advice/baselines")]
[Tags(MigrationTags.Catalog)]
public sealed class SchedulerAndAdvisorSchema : Migration
{
    /// <summary>Quartz's table prefix in the catalog (schema-qualified).</summary>
    public const string QuartzTablePrefix = "datatier.qrtz_";

    /// <inheritdoc />
    public override void Up()
    {
        foreach (string statement in QuartzSchema.Statements(QuartzTablePrefix))
        {
            Execute.Sql(statement);
        }

        Execute.Sql(
            """
            CREATE TABLE datatier.advisor_runs (
              id bigserial PRIMARY KEY,
              started_at timestamptz NOT NULL DEFAULT now(),
              finished_at timestamptz NULL,
              state text NOT NULL,
              trigger text NOT NULL,
              instance text NOT NULL,
              summary jsonb NULL,
              error text NULL)
            """);
        Execute.Sql(
            """
            CREATE TABLE datatier.index_advice (
              id bigserial PRIMARY KEY,
              run_id bigint NOT NULL REFERENCES datatier.advisor_runs (id),
              kind text NOT NULL CHECK (kind IN ('create', 'drop_unused', 'drop_duplicate', 'rebuild_invalid')),
              table_name text NOT NULL,
              index_name text NOT NULL,
              columns text[] NOT NULL,
              definition text NOT NULL,
              evidence jsonb NOT NULL,
              status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'written', 'dismissed')),
              written_to text NULL,
              created_at timestamptz NOT NULL DEFAULT now())
            """);
        Execute.Sql("CREATE INDEX index_advice_run_id_idx ON datatier.index_advice (run_id)");
        Execute.Sql(
            """
            CREATE TABLE datatier.advisor_baselines (
              node_id text NOT NULL,
              queryid bigint NOT NULL,
              calls bigint NOT NULL,
              total_exec_ms double precision NOT NULL,
              taken_at timestamptz NOT NULL DEFAULT now(),
              PRIMARY KEY (node_id, queryid))
            """);
        Execute.Sql(
            """
            CREATE TABLE datatier.advisor_table_baselines (
              node_id text NOT NULL,
              table_name text NOT NULL,
              writes bigint NOT NULL,
              taken_at timestamptz NOT NULL DEFAULT now(),
              PRIMARY KEY (node_id, table_name))
            """);
    }

    /// <inheritdoc />
    public override void Down()
    {
        Execute.Sql("DROP TABLE IF EXISTS datatier.advisor_table_baselines, datatier.advisor_baselines, datatier.index_advice, datatier.advisor_runs");
        Execute.Sql(
            """
            DO $$ DECLARE t text; BEGIN
              FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'datatier' AND tablename LIKE 'qrtz\_%' LOOP
                EXECUTE format('DROP TABLE IF EXISTS datatier.%I CASCADE', t);
              END LOOP; END $$
            """);
    }
}
