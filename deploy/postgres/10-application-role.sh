#!/bin/sh
# Run once by the postgres image when it creates the database: the role the application connects
# as. It is no superuser and will own nothing; `manage.py grant_app_role` (the migrate service)
# gives it what it needs after each migration.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_role="$APP_DATABASE_USER" -v app_password="$APP_DATABASE_PASSWORD" <<'SQL'
CREATE ROLE :"app_role" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
SQL
