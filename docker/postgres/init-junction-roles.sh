#!/usr/bin/env bash
# Runs once, when Postgres initialises an empty data volume (/docker-entrypoint-initdb.d): one login
# role per service owning one database, and no role but the superuser may connect to the others.
# Passwords come from postgres.env, written by `npm run compose:init`.
set -euo pipefail
for svc in auth connectors scheduler executor audit; do
  var="JUNCTION_DB_PASSWORD_${svc^^}"
  password="${!var:?$var is not set: run npm run compose:init}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set=name="junction_$svc" --set=password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<'SQL'
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;
SQL
