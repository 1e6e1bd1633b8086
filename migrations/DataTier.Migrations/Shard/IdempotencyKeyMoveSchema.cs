using FluentMigrator;

namespace DataTier.Migrations.Shard;

/// <summary>
/// Idempotency keys move with the rows they guard: <c>datatier_idempotency.keys</c> records the write's shard key, so a
/// rebalancing move can copy the keys of the ranges it moves to their new owner, and a retry routed there after the
/// switch replays the recorded answer instead of applying the write a second time.
/// </summary>
/// <remarks>
/// <para>
/// A key claimed in a range that a move is moving away is logged (<c>datatier_idempotency.moving</c>) and, once the
/// move fences the range, refused with DTM01 like the rows themselves (the write it belongs to would be refused
/// anyway; refusing the claim first keeps the two in one rule). The trigger takes the move's shared advisory lock
/// first, so the fence waits for every in-flight keyed transaction of the range: after the fence, every key of the
/// range is committed and either copied already or in the log, and the mover copies the rest before it switches.
/// </para>
/// <para>
/// Keys written before this migration have no shard key and stay where they are (a retry of such a write after its
/// range moved could apply again, as before); <c>IdempotencyRetentionHours</c> ages them out.
/// </para>
/// </remarks>
[Migration(202612040001, "Idempotency keys move with their rows")]
[Tags(MigrationTags.Shard)]
public sealed class IdempotencyKeyMoveSchema : Migration
{
    /// <inheritdoc />
    public override void Up() =>
        Execute.Sql(
            """
            ALTER TABLE datatier_idempotency.keys ADD COLUMN shard_key text;
            -- What a move selects a range's keys by: the same expression as the sharded tables' ring-position indexes.
            CREATE INDEX keys_ring_position_idx ON datatier_idempotency.keys (hashtextextended(shard_key, 0)) WHERE shard_key IS NOT NULL;

            CREATE TABLE datatier_idempotency.moving (
              id bigserial PRIMARY KEY,
              move_id bigint NOT NULL,
              target text NOT NULL,
              scope text NOT NULL,
              idempotency_key text NOT NULL);
            CREATE INDEX moving_move_id_idx ON datatier_idempotency.moving (move_id, id);

            CREATE FUNCTION datatier_idempotency.track_move() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
              s datatier_move.sources;
              target_shard text;
            BEGIN
              IF NEW.shard_key IS NULL OR current_setting('datatier.move_apply', true) = 'on' THEN
                RETURN NEW;
              END IF;
              -- Negative ids are a move's targets watching what they receive: nothing leaves from there.
              FOR s IN SELECT * FROM datatier_move.sources WHERE move_id > 0 LOOP
                target_shard := s.targets[width_bucket(hashtextextended(NEW.shard_key, 0), s.thresholds) + 1];
                CONTINUE WHEN target_shard IS NULL;
                PERFORM pg_advisory_xact_lock_shared(s.lock_key);
                IF (SELECT fenced FROM datatier_move.sources WHERE move_id = s.move_id) THEN
                  RAISE EXCEPTION 'idempotency keys in this hash range are moving to shard %', target_shard
                    USING ERRCODE = 'DTM01', HINT = 'Retry on the shard the topology names once the move switches or its fence lifts.';
                END IF;
                INSERT INTO datatier_idempotency.moving (move_id, target, scope, idempotency_key)
                  VALUES (s.move_id, target_shard, NEW.scope, NEW.idempotency_key);
              END LOOP;
              RETURN NEW;
            END $$;

            CREATE TRIGGER datatier_move_keys BEFORE INSERT ON datatier_idempotency.keys
              FOR EACH ROW EXECUTE FUNCTION datatier_idempotency.track_move();

            DO $$
            DECLARE
              grantee text;
            BEGIN
              FOR grantee IN
                SELECT g.grantee FROM information_schema.role_table_grants g
                 WHERE g.table_schema = 'datatier_idempotency' AND g.table_name = 'keys' AND g.privilege_type = 'INSERT'
                   AND g.grantee <> current_user AND g.grantee <> 'PUBLIC'
              LOOP
                EXECUTE format('GRANT SELECT, INSERT, DELETE ON datatier_idempotency.moving TO %I', grantee);
                EXECUTE format('GRANT USAGE ON SEQUENCE datatier_idempotency.moving_id_seq TO %I', grantee);
              END LOOP;
            END $$;
            """);

    /// <inheritdoc />
    public override void Down() =>
        Execute.Sql(
            """
            DROP TRIGGER datatier_move_keys ON datatier_idempotency.keys;
            DROP FUNCTION datatier_idempotency.track_move();
            DROP TABLE datatier_idempotency.moving;
            DROP INDEX datatier_idempotency.keys_ring_position_idx;
            ALTER TABLE datatier_idempotency.keys DROP COLUMN shard_key;
            """);
}
