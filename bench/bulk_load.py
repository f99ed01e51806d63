"""Loading tens of millions of rows quickly: statements run on two connections at once, with
the tables' secondary indexes built once at the end instead of row by row.

Foreign keys stay in place; the loading sessions run with `session_replication_role = replica`,
which skips their per-row checks for that session only (the generator makes consistent rows).
"""

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.database import connect

LOADING_SETTINGS = [
    "SET session_replication_role = replica",
    "SET synchronous_commit = off",
    "SET work_mem = '256MB'",
    "SET maintenance_work_mem = '1GB'",
    # Two connections already keep both cores busy.
    "SET max_parallel_maintenance_workers = 0",
    "SET max_parallel_workers_per_gather = 0",
]
SECONDARY_INDEXES = """
    SELECT pg_get_indexdef(i.indexrelid), i.indexrelid::regclass::text, con.conname, pg_get_constraintdef(con.oid)
    FROM pg_index i
    LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype = 'u'
    WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint fk WHERE fk.contype = 'f' AND fk.conindid = i.indexrelid)
"""


@dataclass
class Step:
    """One unit of loading work: SQL statements, or a function given a connection."""

    name: str
    statements: list[str] = field(default_factory=list)
    run: Callable | None = None
    after: set[str] = field(default_factory=set)


STARTED = time.monotonic()


def log(message: str) -> None:
    sys.stderr.write(f"[{time.monotonic() - STARTED:5.0f} s] {message}\n")
    sys.stderr.flush()


def loading_connection(database: str):
    connection = connect(database)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for statement in LOADING_SETTINGS:
            cursor.execute(statement)
    return connection


def run_steps(database: str, steps: list[Step], *, connections: int = 2) -> dict[str, float]:
    """Run every step once its `after` steps are done, `connections` at a time; the seconds
    each took. The first failure stops the others and is raised."""
    pending = {step.name: step for step in steps}
    unknown = {name for step in steps for name in step.after} - set(pending)
    if unknown:
        raise ValueError(f"steps wait for unknown steps: {sorted(unknown)}")
    done: set[str] = set()
    running: set[str] = set()
    durations: dict[str, float] = {}
    errors: list[BaseException] = []
    condition = threading.Condition()

    def next_step() -> Step | None:
        with condition:
            while True:
                if errors or not pending:
                    return None
                ready = [step for step in pending.values() if step.after <= done]
                if ready:
                    step = ready[0]
                    del pending[step.name]
                    running.add(step.name)
                    return step
                if not running:
                    errors.append(RuntimeError(f"steps can never start: {sorted(pending)}"))
                    condition.notify_all()
                    return None
                condition.wait()

    def work() -> None:
        connection = loading_connection(database)
        try:
            while (step := next_step()) is not None:
                started = time.monotonic()
                try:
                    with connection.cursor() as cursor:
                        for statement in step.statements:
                            cursor.execute(statement)
                    if step.run is not None:
                        step.run(connection)
                except BaseException as error:  # noqa: BLE001 - handed to the main thread
                    with condition:
                        errors.append(error)
                        condition.notify_all()
                    return
                seconds = time.monotonic() - started
                log(f"  {step.name}: {seconds:.1f} s")
                with condition:
                    durations[step.name] = seconds
                    running.discard(step.name)
                    done.add(step.name)
                    condition.notify_all()
        finally:
            connection.close()

    threads = [threading.Thread(target=work, name=f"load-{n}") for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return durations


def drop_secondary_indexes(connection, tables: list[str]) -> list[Step]:
    """Drop the indexes and unique constraints of `tables` other than primary keys and those
    foreign keys rely on; returns the steps that build them again."""
    rebuild = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(SECONDARY_INDEXES, [table])
            for index_definition, index_name, constraint_name, constraint_definition in cursor.fetchall():
                if constraint_name:
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint_name}"')
                    statement = f'ALTER TABLE {table} ADD CONSTRAINT "{constraint_name}" {constraint_definition}'
                else:
                    cursor.execute(f"DROP INDEX {index_name}")
                    statement = index_definition
                rebuild.append(Step(f"index {index_name}", [statement], after={f"table {table}"}))
    return rebuild


def vacuum_steps(tables: list[str], steps: list[Step]) -> list[Step]:
    """VACUUM ANALYZE each table once every step writing it or building its indexes is done, as
    the nightly vacuum of a production database would have: visibility map set, hint bits
    written, statistics fresh."""
    vacuums = []
    for table in tables:
        writers = {step.name for step in steps if step.name == f"table {table}" or f"table {table}" in step.after}
        vacuums.append(Step(f"vacuum {table}", [f"VACUUM (ANALYZE) {table}"], after=writers))
    return vacuums


def reset_sequences(connection) -> None:
    """Every identity column continues after the largest id the generator wrote."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            WHERE c.table_schema = 'public' AND c.is_identity = 'YES'
        """)
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max("{column}"), 0) + 1, false) '
                           f'FROM "{table}"', [table, column])
