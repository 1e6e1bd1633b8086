using FluentMigrator;

namespace DataTier.Migrations.Shard;

/// <summary>
/// Every shard refuses rows it does not own (schema <c>datatier_guard</c>): a row trigger on each sharded table
/// computes the row's ring position from its shard-key column, exactly as the router does
/// (<c>hashtextextended(key::text, 0)</c>), and refuses an INSERT, an UPDATE of the key, an <c>INSERT ... SELECT</c> or
/// a COPY row whose position another shard owns, with SQLSTATE <c>DTW01</c>. The statement fails whole: nothing is
/// written. Writes made behind DataTier's back (psql on a shard) are refused the same way.
/// </summary>
/// <remarks>
/// <para>
/// What the shard owns is the ring of a topology version, copied here by DataTier (<c>set_ring</c>): one row per
/// contiguous range of the ring with its owner, keyed by the range's inclusive upper end, and the same ranges compiled
/// into <c>datatier_guard.owns(position)</c>, which the trigger's plan inlines: an accepted row reads no table. <c>datatier_guard.ring</c> names this shard and the version the ranges come from; until
/// DataTier has written it, the guard lets every row through (it cannot know better).
/// </para>
/// <para>
/// A rebalancing move's own writes (<c>datatier.move_apply</c>, the copy into a target of the ranges it receives, and
/// the catch-up) are not checked; every other write is. The move changes what the target accepts in the same catalog
/// switch that changes routing (see <c>MoveRun</c>), so the guard never refuses a write routed by a current topology.
/// </para>
/// <para>
/// The app role may read the guard's tables but not change them; <c>set_ring</c> and <c>install</c> are
/// <c>SECURITY DEFINER</c> functions owned by the migration role, like the move's capture functions.
/// </para>
/// </remarks>
[Migration(202612030001, "Row ownership guard: every shard refuses rows the ring places on another shard")]
[Tags(MigrationTags.Shard)]
public sealed class OwnershipGuardSchema : Migration
{
    /// <inheritdoc />
    public override void Up() =>
        Execute.Sql(
            """
            CREATE SCHEMA datatier_guard;
            GRANT USAGE ON SCHEMA datatier_guard TO PUBLIC;

            CREATE TABLE datatier_guard.ring (
              singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
              shard text NOT NULL,
              version bigint NOT NULL,
              fingerprint text NOT NULL,
              set_at timestamptz NOT NULL DEFAULT now());

            CREATE TABLE datatier_guard.ranges (
              hi bigint PRIMARY KEY,
              owner text NOT NULL);

            -- Default privileges may have granted the app role DML here: only set_ring changes these tables.
            DO $$
            DECLARE
              grantee_role text;
            BEGIN
              FOR grantee_role IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
                                   WHERE table_schema = 'datatier_guard' AND grantee NOT IN (current_user, 'PUBLIC') LOOP
                EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA datatier_guard FROM %I', grantee_role);
              END LOOP;
            END $$;
            GRANT SELECT ON datatier_guard.ring, datatier_guard.ranges TO PUBLIC;

            -- The owner of a ring position: the first range ending at or after it (the last range ends at the largest
            -- bigint, so there always is one once a ring is set).
            CREATE FUNCTION datatier_guard.owner_of(pos bigint) RETURNS text LANGUAGE sql STABLE AS $$
              SELECT owner FROM datatier_guard.ranges WHERE hi >= pos ORDER BY hi LIMIT 1
            $$;

            -- Whether this shard owns a ring position: set_ring compiles the ring into this function's body as two
            -- constant arrays. Being a one-expression SQL function, it is inlined into the trigger's cached plan, so
            -- the check of an accepted row reads no table (no lock, no index probe per transaction), only a binary
            -- search (width_bucket) over those constants. Until a ring is set every position is accepted.
            CREATE FUNCTION datatier_guard.owns(pos bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT true $$;

            -- TG_ARGV[0] is the shard-key column: its text form is what the router hashes.
            CREATE FUNCTION datatier_guard.check_row() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
              key text := to_jsonb(NEW) ->> TG_ARGV[0];
              pos bigint;
              me text;
              version bigint;
              owner text;
            BEGIN
              IF key IS NULL OR (TG_OP = 'UPDATE' AND key IS NOT DISTINCT FROM to_jsonb(OLD) ->> TG_ARGV[0]) THEN
                RETURN NEW;
              END IF;
              pos := hashtextextended(key, 0);
              IF datatier_guard.owns(pos) OR current_setting('datatier.move_apply', true) = 'on' THEN
                RETURN NEW;
              END IF;
              -- Refused: read the owner and the version for the message (only here do the tables matter).
              SELECT g.shard, g.version, r.owner INTO me, version, owner
                FROM datatier_guard.ring g
                LEFT JOIN LATERAL (SELECT x.owner FROM datatier_guard.ranges x WHERE x.hi >= pos ORDER BY x.hi LIMIT 1) r ON true;
              IF me IS NULL OR owner = me THEN
                RETURN NEW;
              END IF;
              -- The key's value stays out of the message: it is the caller's data.
              RAISE EXCEPTION 'a row of "%" belongs to shard % by its % column, not to this shard (%)', TG_TABLE_NAME, coalesce(owner, '(none)'), TG_ARGV[0], me
                USING ERRCODE = 'DTW01',
                      DETAIL = format('owner=%s; shard=%s; position=%s; topology_version=%s', coalesce(owner, ''), me, pos, version),
                      HINT = format('Route the write by the row''s own %s: send it with that value as the shard key. Nothing was written.', TG_ARGV[0]),
                      SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[0];
            END $$;

            -- Puts the guard on a table (idempotent; returns false when it was there already with the same key column).
            CREATE FUNCTION datatier_guard.install(tbl regclass, key_column text) RETURNS boolean
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl AND attname = key_column AND attnum > 0 AND NOT attisdropped) THEN
                RAISE EXCEPTION 'table % has no column %', tbl, key_column USING ERRCODE = 'DTW02';
              END IF;
              IF EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = tbl AND t.tgname = 'datatier_guard' AND NOT t.tgisinternal
                           AND encode(t.tgargs, 'escape') = key_column || '\000') THEN
                RETURN false;
              END IF;
              EXECUTE format('CREATE OR REPLACE TRIGGER datatier_guard BEFORE INSERT OR UPDATE OF %I ON %s FOR EACH ROW EXECUTE FUNCTION datatier_guard.check_row(%L)',
                key_column, tbl, key_column);
              RETURN true;
            END $$;

            -- Records the ring this shard follows. Moves forward only (a lower version changes nothing) unless forced;
            -- the same version with another ring replaces it (a version a failed catalog switch never committed).
            -- Returns whether anything changed.
            CREATE FUNCTION datatier_guard.set_ring(p_shard text, p_version bigint, p_fingerprint text, p_his bigint[], p_owners text[], p_force boolean)
            RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            DECLARE
              cur datatier_guard.ring;
            BEGIN
              IF coalesce(array_length(p_his, 1), 0) = 0 OR array_length(p_his, 1) <> array_length(p_owners, 1) THEN
                RAISE EXCEPTION 'a ring needs one owner per range' USING ERRCODE = 'DTW02';
              END IF;
              IF p_his[array_length(p_his, 1)] <> 9223372036854775807 THEN
                RAISE EXCEPTION 'the last range must end at the largest ring position' USING ERRCODE = 'DTW02';
              END IF;
              -- Plain reads (the guard's own) go on; concurrent set_ring calls queue here.
              LOCK TABLE datatier_guard.ring IN EXCLUSIVE MODE;
              SELECT * INTO cur FROM datatier_guard.ring;
              IF FOUND AND NOT p_force AND (cur.version > p_version
                  OR (cur.version = p_version AND cur.fingerprint = p_fingerprint AND cur.shard = p_shard)) THEN
                RETURN false;
              END IF;
              IF NOT FOUND OR cur.fingerprint <> p_fingerprint OR cur.shard <> p_shard OR p_force THEN
                DELETE FROM datatier_guard.ranges;
                INSERT INTO datatier_guard.ranges (hi, owner) SELECT h, o FROM unnest(p_his, p_owners) AS x(h, o);
                -- width_bucket(pos, t) counts the thresholds <= pos: with t[k] = his[k] + 1 that is the number of
                -- ranges ending below pos, i.e. pos's range, 0-based. The last range ends at the largest bigint.
                EXECUTE format('CREATE OR REPLACE FUNCTION datatier_guard.owns(pos bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS %L',
                  format('SELECT (%L::boolean[])[width_bucket(pos, %L::bigint[]) + 1]',
                    (SELECT array_agg(o = p_shard ORDER BY n) FROM unnest(p_owners) WITH ORDINALITY AS x(o, n)),
                    coalesce((SELECT array_agg(h + 1 ORDER BY n) FROM unnest(p_his) WITH ORDINALITY AS x(h, n) WHERE n < array_length(p_his, 1)), '{}'::bigint[])));
              END IF;
              INSERT INTO datatier_guard.ring (singleton, shard, version, fingerprint, set_at) VALUES (true, p_shard, p_version, p_fingerprint, now())
                ON CONFLICT (singleton) DO UPDATE SET shard = excluded.shard, version = excluded.version, fingerprint = excluded.fingerprint, set_at = excluded.set_at;
              RETURN true;
            END $$;
            """);

    /// <inheritdoc />
    public override void Down() =>
        Execute.Sql(
            """
            DO $$
            DECLARE
              t regclass;
            BEGIN
              FOR t IN SELECT tgrelid::regclass FROM pg_trigger WHERE tgname = 'datatier_guard' AND NOT tgisinternal LOOP
                EXECUTE format('DROP TRIGGER datatier_guard ON %s', t);
              END LOOP;
            END $$;
            DROP SCHEMA datatier_guard CASCADE;
            """);
}
