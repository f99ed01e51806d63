"""The PostgreSQL server the benchmark databases live on, and making a fresh, migrated one.

Benchmark databases are named after their size (`opsconsole_bench`, `opsconsole_bench_small`)
and are made from a migrated template, so a fresh one takes a second instead of a migrate.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# The databases the console and its tests use: never overwritten by the benchmark.
PROTECTED_DATABASES = {"opsconsole", "opsconsole_main", "postgres", "template0", "template1"}


def database_prefix() -> str:
    """What every benchmark database's name starts with; a test run sets its own."""
    return os.environ.get("BENCH_DATABASE_PREFIX", "opsconsole_bench")


def server_url() -> str:
    """BENCH_DATABASE_SERVER, else the server of a PostgreSQL DATABASE_URL, else the local one."""
    url = os.environ.get("BENCH_DATABASE_SERVER") or os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql", "psql"}:
        url = DEFAULT_SERVER_URL
    return url


def database_url(name: str) -> str:
    parts = urlsplit(server_url())
    return urlunsplit(("postgres", parts.netloc, f"/{name}", "", ""))


def connect(name: str):
    return psycopg2.connect(database_url(name))


def _maintenance_connection():
    connection = connect("postgres")
    connection.autocommit = True
    return connection


def database_exists(name: str) -> bool:
    with _maintenance_connection() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _refuse_protected(name: str) -> None:
    if name in PROTECTED_DATABASES or not name.startswith("opsconsole_bench"):
        raise ValueError(f"{name!r} is not a benchmark database: refusing to replace it")


def migrate(name: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url(name), "DJANGO_SETTINGS_MODULE": "config.settings",
           "DJANGO_DEBUG": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=PROJECT_DIR, env=env,
                   check=True)


def template_name() -> str:
    return f"{database_prefix()}_template"


def applied_migrations(name: str) -> set[tuple[str, str]]:
    with connect(name) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return set(cursor.fetchall())


def migrated_like_the_code(name: str) -> bool:
    """Whether `name` has exactly the migrations the code has now (the template is migrated to
    find out), so a database generated before a schema change is not reused."""
    if not database_exists(template_name()):
        return False
    migrate(template_name())
    return applied_migrations(name) == applied_migrations(template_name())


def fresh_database(name: str) -> None:
    """Drop `name` and make it again from the migrated template (migrating the template first,
    so new migrations are always in)."""
    _refuse_protected(name)
    template = template_name()
    connection = _maintenance_connection()
    try:
        with connection.cursor() as cursor:
            if not database_exists(template):
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
        migrate(template)
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                           sql.Identifier(template)))
    finally:
        connection.close()
