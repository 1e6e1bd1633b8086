-- The two roles DataTier uses on every shard primary (replicas inherit them by streaming) and on the catalog.
-- Run as a superuser, in the shard database, once per server; replace both passwords.
--
--   datatier_app    the data path: DML on the application tables, read access to statistics, no DDL,
--                   no superuser. This is the role in DataTier:Topology connection strings.
--   datatier_admin  migrations, index advice and rebalancing: owns the schema objects, may reset statistics
--                   and use replication. It is never used to serve application requests.

CREATE ROLE datatier_admin LOGIN PASSWORD 'change-me-admin' NOSUPERUSER NOCREATEDB NOCREATEROLE REPLICATION;
GRANT pg_monitor, pg_read_all_stats TO datatier_admin;

CREATE ROLE datatier_app LOGIN PASSWORD 'change-me-app' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
-- pg_monitor lets the data path read pg_stat_statements, pg_stat_* and replication state for its diagnostics.
GRANT pg_monitor TO datatier_app;

-- The database and its schema belong to the admin role, which creates the tables through migrations.
ALTER DATABASE datatier OWNER TO datatier_admin;
ALTER SCHEMA public OWNER TO datatier_admin;

-- Nobody else may create objects; the app role may only use what the admin role creates.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO datatier_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO datatier_app;
ALTER DEFAULT PRIVILEGES FOR ROLE datatier_admin GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO datatier_app;
ALTER DEFAULT PRIVILEGES FOR ROLE datatier_admin GRANT USAGE, SELECT ON SEQUENCES TO datatier_app;
-- Schemas the migrations make (as the dev cluster grants: src/DataTier.DevCluster/Postgres/RoleProvisioner.cs).
ALTER DEFAULT PRIVILEGES FOR ROLE datatier_admin GRANT USAGE ON SCHEMAS TO datatier_app;

-- Extensions that are not trusted need a superuser; create them before running the migrations.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE EXTENSION IF NOT EXISTS pg_qualstats;
GRANT EXECUTE ON FUNCTION pg_stat_statements_reset(oid, oid, bigint) TO datatier_admin;
GRANT EXECUTE ON FUNCTION pg_qualstats_reset() TO datatier_admin;
-- A planned switchover (datatier shard switchover) promotes a replica with pg_promote() through the shard's
-- connection string, i.e. as datatier_app. Run this in the shard database on the primary (replicas get it by
-- streaming); without it a switchover is refused with promotion-not-permitted and nothing changes.
GRANT EXECUTE ON FUNCTION pg_promote(boolean, integer) TO datatier_app;
