"""Real database errors on demand: a trigger that refuses the write of one row (a batch entry).

PostgreSQL raises the error itself, inside the chunk's transaction, as it would for a write refused
by a serialization conflict (SQLSTATE 40001, transient) or by a rule of the database (P0001).
"""

from contextlib import contextmanager

from django.db import connection

from batches.models import BatchEntry
from tests.conftest import require_service

SERIALIZATION_FAILURE = "40001"  # psycopg2 raises OperationalError: worth trying again
RAISED_BY_THE_DATABASE = "P0001"  # psycopg2 raises InternalError: not transient


@contextmanager
def row_write_refused(model, pk: int, *, sqlstate: str, times: int | None = None):
    """Every UPDATE of the `model` row `pk` fails with `sqlstate`, or only the first `times` of
    them. The count survives the rollback of the refused transaction (a sequence), so "once"
    means once."""
    require_service("PostgreSQL (a trigger raises the error)", connection.vendor == "postgresql")
    table = model._meta.db_table
    kind = model._meta.verbose_name
    limit = "" if times is None else f"AND nextval('test_refused_writes') <= {int(times)}"
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE test_refused_writes")
        cursor.execute(f"""
            CREATE FUNCTION test_refuse_row_write() RETURNS trigger AS $$
            BEGIN
                IF NEW.id = {int(pk)} {limit} THEN
                    RAISE EXCEPTION 'the write of {kind} % is refused', NEW.id USING ERRCODE = '{sqlstate}';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        cursor.execute(f"CREATE TRIGGER test_refuse_row_write BEFORE UPDATE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION test_refuse_row_write()")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER test_refuse_row_write ON {table}")
            cursor.execute("DROP FUNCTION test_refuse_row_write()")
            cursor.execute("DROP SEQUENCE test_refused_writes")


def entry_write_refused(entry_id: int, *, sqlstate: str, times: int | None = None):
    """`row_write_refused` for batch entry `entry_id`."""
    return row_write_refused(BatchEntry, entry_id, sqlstate=sqlstate, times=times)
