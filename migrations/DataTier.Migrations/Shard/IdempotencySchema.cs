using FluentMigrator;

namespace DataTier.Migrations.Shard;

/// <summary>
/// Idempotent writes: <c>datatier_idempotency.keys</c> records, per API key and <c>Idempotency-Key</c>, the request's
/// fingerprint and the answer of a keyed write, in the same transaction as the write itself.
/// </summary>
/// <remarks>
/// <para>
/// A keyed write first inserts its key row (<c>ON CONFLICT DO NOTHING</c>): the primary key makes a concurrent
/// duplicate wait on the first until it commits or rolls back, so exactly one of them applies. The answer is stored
/// just before the COMMIT; a write that fails rolls its key row back with it, so a retry may apply.
/// </para>
/// <para>
/// The table is not sharded (it has no shard-key column): rows stay on the shard that took the write and are never
/// moved by a rebalancing move. <c>created_at</c> is indexed for the retention sweep, which deletes rows older than
/// <c>DataTier:DataApi:IdempotencyRetentionHours</c>.
/// </para>
/// <para>
/// The data path connects as the app role (DML only), so this migration grants it DML on the table: to
/// <c>datatier_app</c> when that role exists (sql/roles.sql, the dev cluster) and to every role that may already
/// insert into the application tables (a deployment with its own role names).
/// </para>
/// </remarks>
[Migration(202612030002, "Idempotent writes: key and answer table")]
[Tags(MigrationTags.Shard)]
public sealed class IdempotencySchema : Migration
{
    /// <inheritdoc />
    public override void Up() =>
        Execute.Sql(
            """
            CREATE SCHEMA datatier_idempotency;

            CREATE TABLE datatier_idempotency.keys (
              scope text NOT NULL,
              idempotency_key text NOT NULL,
              fingerprint bytea NOT NULL,
              -- The answer as DataTier encodes it (exact text: json would keep it too, jsonb would reorder it); null
              -- only inside the writing transaction, before its last step.
              answer text,
              created_at timestamptz NOT NULL DEFAULT now(),
              CONSTRAINT keys_pkey PRIMARY KEY (scope, idempotency_key),
              CONSTRAINT keys_key_length CHECK (length(idempotency_key) BETWEEN 1 AND 255));
            CREATE INDEX keys_created_at_idx ON datatier_idempotency.keys (created_at);

            DO $$
            DECLARE
              grantee text;
            BEGIN
              FOR grantee IN
                SELECT rolname FROM pg_roles WHERE rolname = 'datatier_app'
                UNION
                SELECT g.grantee FROM information_schema.role_table_grants g
                 WHERE g.table_schema = 'public' AND g.privilege_type = 'INSERT' AND g.grantee <> current_user AND g.grantee <> 'PUBLIC'
              LOOP
                EXECUTE format('GRANT USAGE ON SCHEMA datatier_idempotency TO %I', grantee);
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON datatier_idempotency.keys TO %I', grantee);
              END LOOP;
            END $$;
            """);

    /// <inheritdoc />
    public override void Down() => Execute.Sql("DROP SCHEMA datatier_idempotency CASCADE;");
}
