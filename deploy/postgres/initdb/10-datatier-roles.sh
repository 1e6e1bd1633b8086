#!/bin/bash
# Runs once, when the image's entrypoint initialises an empty data directory (as the postgres OS user, against the
# socket-only server it starts for init): sql/roles.sql in $POSTGRES_DB with the passwords of .env, and replication
# over TCP with a password, for the replicas' pg_basebackup and streaming.
set -euo pipefail
: "${DATATIER_ADMIN_PASSWORD:?set DATATIER_ADMIN_PASSWORD (docker-compose takes it from .env)}"
: "${DATATIER_APP_PASSWORD:?set DATATIER_APP_PASSWORD (docker-compose takes it from .env)}"

# roles.sql names the shard database 'datatier'; the catalog's database is another one.
sed -e "s/^ALTER DATABASE datatier OWNER/ALTER DATABASE \"${POSTGRES_DB}\" OWNER/" /usr/local/share/datatier/roles.sql \
  | psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"

# psql's :'name' quotes the value as a literal, so a password never becomes SQL.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v admin_password="$DATATIER_ADMIN_PASSWORD" -v app_password="$DATATIER_APP_PASSWORD" <<'SQL'
ALTER ROLE datatier_admin PASSWORD :'admin_password';
ALTER ROLE datatier_app PASSWORD :'app_password';
SQL

echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
