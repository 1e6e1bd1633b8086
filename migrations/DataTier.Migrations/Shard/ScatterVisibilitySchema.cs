using FluentMigrator;

namespace DataTier.Migrations.Shard;

/// <summary>
/// Exact fan-out reads while rows move: during a move a shard may hold rows it does not own on the routing ring (a
/// target's copies before the switch, a source's after it, until the clean-up). A fan-out read on such a shard runs
/// with <c>search_path = datatier_visible, public</c>, where a view of each sharded table leaves out the rows
/// <c>datatier_move.hidden</c> lists for the ring the read routes by (<c>datatier.ring</c>) and the shard
/// (<c>datatier.shard</c>), so every row is counted once, on its owner.
/// </summary>
/// <remarks>
/// A row's check is one probe of the hidden ranges' primary key (the first range ending at or after its position).
/// Without the settings, or for a ring with no hidden ranges, the views show every row. Statements that name
/// <c>public.</c> explicitly bypass the views.
/// </remarks>
[Migration(202611240002, "Rebalancing: ownership views for exact fan-out reads during moves")]
[Tags(MigrationTags.Shard)]
public sealed class ScatterVisibilitySchema : Migration
{
    /// <inheritdoc />
    public override void Up() =>
        Execute.Sql(
            """
            CREATE SCHEMA datatier_visible;
            GRANT USAGE ON SCHEMA datatier_visible TO PUBLIC;

            CREATE TABLE datatier_move.hidden (
              ring text NOT NULL,
              shard text NOT NULL,
              hi bigint NOT NULL,
              lo bigint NOT NULL,
              includes_lo boolean NOT NULL,
              move_id bigint NOT NULL,
              PRIMARY KEY (ring, shard, hi));

            CREATE FUNCTION datatier_move.is_hidden(pos bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
              SELECT EXISTS (
                SELECT 1 FROM (
                  SELECT h.lo, h.includes_lo FROM datatier_move.hidden h
                   WHERE h.ring = current_setting('datatier.ring', true) AND h.shard = current_setting('datatier.shard', true) AND h.hi >= pos
                   ORDER BY h.hi LIMIT 1) first_range
                WHERE pos > first_range.lo OR (first_range.includes_lo AND pos = first_range.lo))
            $$;

            CREATE FUNCTION datatier_move.install_visibility(tbl regclass, key_column text) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            DECLARE
              name text := (SELECT relname FROM pg_class WHERE oid = tbl);
              reader text;
            BEGIN
              EXECUTE format('DROP VIEW IF EXISTS datatier_visible.%I', name);
              EXECUTE format('CREATE VIEW datatier_visible.%I AS SELECT t.* FROM %s t WHERE NOT datatier_move.is_hidden(hashtextextended(t.%I::text, 0))', name, tbl, key_column);
              -- Whoever may read the table may read its view (the view reads as its owner).
              FOR reader IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
                             WHERE table_schema = 'public' AND table_name = name AND privilege_type = 'SELECT' AND grantee <> current_user LOOP
                EXECUTE format('GRANT SELECT ON datatier_visible.%I TO %I', name, reader);
              END LOOP;
            END $$;
            """);

    /// <inheritdoc />
    public override void Down() => Execute.Sql("DROP SCHEMA datatier_visible CASCADE; DROP TABLE datatier_move.hidden; DROP FUNCTION datatier_move.is_hidden(bigint); DROP FUNCTION datatier_move.install_visibility(regclass, text);");
}
