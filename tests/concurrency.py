"""Two people, or a person and a worker, acting at once: each in a thread with a database session
of its own, on PostgreSQL, where they really wait for each other's locks."""

import threading
import time
from contextlib import contextmanager

from django.db import connection, transaction

from opsconsole.models import TaskRun


def started_in_threads(*calls):
    """Start each call in a thread of its own; `awaited(*started_in_threads(...))` gives their results."""
    results = [None] * len(calls)

    def call(position, function):
        try:
            results[position] = function()
        finally:
            connection.close()  # the thread's own database session

    threads = [threading.Thread(target=call, args=(position, function)) for position, function in enumerate(calls)]
    for thread in threads:
        thread.start()
    return threads, results


def awaited(threads, results) -> list:
    for thread in threads:
        thread.join(timeout=60)
    return results


def racing_in_threads(*calls) -> list:
    """Each call in a thread of its own, their runs recorded at the same instant."""
    with runs_released_together(len(calls)):
        threads, results = started_in_threads(*calls)
    return awaited(threads, results)


@contextmanager
def runs_released_together(sessions: int):
    """New runs cannot be recorded inside the block; on leaving it, once `sessions` other
    database sessions wait to record one, they all go at the same instant."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TaskRun._meta.db_table} IN SHARE MODE")
        yield
        wait_for_sessions_waiting_on_a_lock(cursor, sessions)


def wait_for_sessions_waiting_on_a_lock(cursor, sessions: int, timeout: float = 60) -> list[int]:
    """The process ids of the other sessions waiting for a lock, once there are `sessions` of them."""
    deadline = time.monotonic() + timeout
    while True:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees its first reading
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database() AND pid <> pg_backend_pid()")
        waiting = [pid for (pid,) in cursor.fetchall()]
        if len(waiting) >= sessions:
            return waiting
        if time.monotonic() > deadline:
            raise AssertionError(f"{sessions} session(s) never waited for a lock")
        time.sleep(0.05)


@contextmanager
def row_locked_elsewhere(model, pk, *, no_key: bool = False):
    """The row held `FOR UPDATE` by another session (a frozen worker, another person's change)
    until the block ends; with `no_key`, `FOR NO KEY UPDATE`, the lock a task run holds on its
    target, which still lets rows that refer to it be written (a run on a platform names it)."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            model.objects.select_for_update(no_key=no_key).get(pk=pk)
            locked.set()
            release.wait(timeout=120)

    threads, _ = started_in_threads(hold)
    assert locked.wait(timeout=30), f"{model.__name__} {pk} could not be locked"
    try:
        yield
    finally:
        release.set()
        awaited(threads, [])


def wait_until(condition, *, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} never happened")
        time.sleep(0.02)
