using FluentMigrator;

namespace DataTier.Migrations.Shard;

/// <summary>
/// What an online move needs on every shard: a ring-position index per demo table (moves and plans select hash ranges
/// through it), and the change capture a source shard runs while its rows move (schema <c>datatier_move</c>).
/// </summary>
/// <remarks>
/// <para>
/// While a move runs, <c>datatier_move.sources</c> holds one row per move with the ring's segment thresholds and,
/// per segment, the shard it moves to (null: it stays). A row trigger on each sharded table (installed only for the
/// move, by <c>install_capture</c>) logs the primary key of every written row of a moving segment in
/// <c>datatier_move.changes</c>; the mover re-reads those rows and applies their current state to the target.
/// </para>
/// <para>
/// The write fence is here too, so that no DataTier instance, even one with a stale topology, can write to a range
/// after its final catch-up: a capturing write takes a shared advisory lock and then reads <c>fenced</c>; the mover
/// fences by taking the lock exclusively (waiting out every in-flight capturing transaction) and setting
/// <c>fenced</c>. A fenced write fails with SQLSTATE DTM01 and changes nothing; DataTier retries it on the owner the
/// topology names once the fence lifts or the range switches.
/// </para>
/// <para>
/// The app role runs DML only, so the trigger is created by <c>SECURITY DEFINER</c> functions owned by the migration
/// role, which can create nothing but this trigger. Writes the mover makes itself set <c>datatier.move_apply</c> and
/// are not captured.
/// </para>
/// </remarks>
[Migration(202611240001, "Rebalancing: ring-position indexes and move change capture")]
[Tags(MigrationTags.Shard)]
public sealed class RebalanceCaptureSchema : Migration
{
    private static readonly string[] Tables = ["teams", "users", "tasks", "activity_logs", "agent_cards"];

    /// <inheritdoc />
    public override void Up()
    {
        foreach (string table in Tables)
        {
            Execute.Sql($"CREATE INDEX {table}_ring_position_idx ON {table} (hashtextextended(team_id::text, 0));");
        }

        Execute.Sql(
            """
            CREATE SCHEMA datatier_move;
            GRANT USAGE ON SCHEMA datatier_move TO PUBLIC;

            CREATE TABLE datatier_move.sources (
              move_id bigint PRIMARY KEY,
              thresholds bigint[] NOT NULL,
              targets text[] NOT NULL,
              fenced boolean NOT NULL DEFAULT false,
              lock_key bigint NOT NULL);

            CREATE TABLE datatier_move.changes (
              id bigserial PRIMARY KEY,
              move_id bigint NOT NULL,
              target text NOT NULL,
              table_name text NOT NULL,
              pk jsonb NOT NULL);
            CREATE INDEX changes_move_id_idx ON datatier_move.changes (move_id, id);

            CREATE FUNCTION datatier_move.capture() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
              s datatier_move.sources;
              r jsonb;
              target_shard text;
            BEGIN
              IF current_setting('datatier.move_apply', true) = 'on' THEN
                RETURN NULL;
              END IF;
              FOR s IN SELECT * FROM datatier_move.sources LOOP
                FOREACH r IN ARRAY ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END, CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END] LOOP
                  CONTINUE WHEN r IS NULL;
                  -- TG_ARGV[0] is the shard-key column: its text form is what the router hashes.
                  target_shard := s.targets[width_bucket(hashtextextended(r ->> TG_ARGV[0], 0), s.thresholds) + 1];
                  CONTINUE WHEN target_shard IS NULL;
                  PERFORM pg_advisory_xact_lock_shared(s.lock_key);
                  -- Read again under the lock: the fence may have been set while this write waited for it.
                  IF (SELECT fenced FROM datatier_move.sources WHERE move_id = s.move_id) THEN
                    RAISE EXCEPTION 'rows of "%" in this hash range are moving to shard %', TG_TABLE_NAME, target_shard
                      USING ERRCODE = 'DTM01', HINT = 'Retry on the shard the topology names once the move switches or its fence lifts.';
                  END IF;
                  INSERT INTO datatier_move.changes (move_id, target, table_name, pk)
                    SELECT s.move_id, target_shard, TG_TABLE_NAME, jsonb_object_agg(c, r -> c) FROM unnest(TG_ARGV[1:]) c;
                END LOOP;
              END LOOP;
              RETURN NULL;
            END $$;

            CREATE FUNCTION datatier_move.install_capture(tbl regclass, key_column text) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            DECLARE
              pk text[];
            BEGIN
              SELECT array_agg(a.attname::text ORDER BY k.ord) INTO pk
                FROM pg_index i
                CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
               WHERE i.indrelid = tbl AND i.indisprimary;
              IF pk IS NULL THEN
                RAISE EXCEPTION 'table % has no primary key: its rows cannot be told apart to move them', tbl USING ERRCODE = 'DTM02';
              END IF;
              IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl AND attname = key_column AND attnum > 0 AND NOT attisdropped) THEN
                RAISE EXCEPTION 'table % has no column %', tbl, key_column USING ERRCODE = 'DTM02';
              END IF;
              EXECUTE format('CREATE OR REPLACE TRIGGER datatier_move_capture AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION datatier_move.capture(%s)',
                tbl, (SELECT string_agg(quote_literal(x), ', ') FROM unnest(ARRAY[key_column] || pk) x));
            END $$;

            CREATE FUNCTION datatier_move.remove_capture(tbl regclass) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            BEGIN
              EXECUTE format('DROP TRIGGER IF EXISTS datatier_move_capture ON %s', tbl);
            END $$;
            """);
    }

    /// <inheritdoc />
    public override void Down()
    {
        Execute.Sql("DROP SCHEMA datatier_move CASCADE;");
        foreach (string table in Tables)
        {
            Execute.Sql($"DROP INDEX IF EXISTS {table}_ring_position_idx;");
        }
    }
}
