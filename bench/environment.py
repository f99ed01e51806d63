"""The environment every benchmark process runs in: the console's production settings (DEBUG
off) plus bench/settings.py, pointed at one benchmark database."""

import os

from bench.database import database_url

BENCH_SETTINGS = "bench.settings"
# Not a secret: it signs the sessions of a throw-away benchmark database.
BENCH_SECRET_KEY = "bench-only-secret-key-for-a-throw-away-database-0123456789"


def bench_environment(database: str, **extra: str) -> dict[str, str]:
    """os.environ with the settings of a production-like console on `database`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": BENCH_SETTINGS,
        "DATABASE_URL": database_url(database),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or BENCH_SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        # Production has beat for these: none of them runs inside a measured server.
        "PERIODIC_JOBS_IN_PROCESS": "0",
        **extra,
    }


def use_database(database: str) -> None:
    """Point this process at `database`, before Django is set up."""
    os.environ.update(bench_environment(database))


def django_setup_for(database: str) -> None:
    """Set Django up in this process on `database`, with the benchmark's settings."""
    use_database(database)
    import django

    django.setup()
