"""Reprocessing on a real Celery worker over Redis: progress, a SIGKILLed worker, a broker outage."""

import time

import pytest

from opsconsole.models import TaskRun
from opsconsole.tasking.history import change_reason_for
from opsconsole.tasking.services import Origin, task_run_request, task_runs_sweep
from batches.models import BatchEntry
from tests.batches.large_batches import make_failed_batch
from tests.celery_worker import Worker, redis_start, redis_stop, require_worker_services

ENTRIES = 3000
WORKER_SETTINGS = {"BATCH_REPROCESS_CHUNK_SIZE": "50", "TASK_RUN_STALE_AFTER_SECONDS": "2"}


@pytest.fixture
def on_worker(transactional_db, settings, tmp_path):
    """Runs go to Celery; started workers are stopped when the test ends."""
    require_worker_services()
    settings.TASK_RUNNER = "celery"
    settings.TASK_RUN_STALE_AFTER_SECONDS = 2
    settings.TASK_RUN_DISPATCH_GRACE_SECONDS = 0
    from opsconsole.celery import app

    app.control.purge()
    workers = []

    def start_worker():
        workers.append(Worker(tmp_path / f"worker-{len(workers)}.log", **WORKER_SETTINGS))
        return workers[-1]

    yield start_worker
    for worker in workers:
        worker.stop()


def request_reprocess(staff_user, batch) -> TaskRun:
    return task_run_request(slug="reprocess-batch", target_id=batch.pk, raw_params={"confirm_reference": batch.reference},
                            reason="Bank rejected the file", origin=Origin(user=staff_user, source="web"))


def wait_for(run, condition, *, timeout=120.0, poll=0.01) -> list[int]:
    """Poll the run until `condition(run)`; returns the progress values seen on the way."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        seen.append(run.progress_done)
        if condition(run):
            return seen
        time.sleep(poll)
    raise AssertionError(f"run #{run.pk} stuck at {run.status} {run.progress_done}/{run.progress_total}")


def applied_entries(run) -> list[int]:
    return list(BatchEntry.history.filter(history_change_reason=change_reason_for(run)).values_list("id", flat=True))


def test_a_worker_reprocesses_thousands_of_entries_with_progress(on_worker, staff):
    on_worker()
    batch = make_failed_batch(entries=ENTRIES)
    run = request_reprocess(staff["ops"], batch)
    seen = wait_for(run, lambda run: run.is_finished)
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert run.progress_done == run.progress_total == ENTRIES
    assert any(0 < done < ENTRIES for done in seen), "progress was never seen between start and end"
    assert sorted(applied_entries(run)) == list(batch.entries.order_by("id").values_list("id", flat=True))


def test_a_killed_worker_is_replaced_and_every_entry_is_applied_exactly_once(on_worker, staff):
    first_worker = on_worker()
    batch = make_failed_batch(entries=ENTRIES)
    run = request_reprocess(staff["ops"], batch)
    wait_for(run, lambda run: run.progress_done > 0, poll=0.002)
    first_worker.kill()
    run.refresh_from_db()
    assert run.status == TaskRun.Status.RUNNING and run.progress_done < ENTRIES
    on_worker()
    time.sleep(2.5)  # the dead worker's heartbeat goes stale
    assert task_runs_sweep() == [run.pk]
    wait_for(run, lambda run: run.is_finished)
    assert run.status == TaskRun.Status.SUCCEEDED and run.attempts == 2
    applied = applied_entries(run)
    assert len(applied) == len(set(applied)) == ENTRIES


def test_a_run_submitted_while_redis_is_down_completes_when_it_returns(on_worker, staff):
    batch = make_failed_batch(entries=200)
    redis_stop()
    try:
        run = request_reprocess(staff["ops"], batch)
        run.refresh_from_db()
        assert (run.status, run.dispatched_at) == (TaskRun.Status.QUEUED, None)
    finally:
        redis_start()
    on_worker()
    assert task_runs_sweep() == [run.pk]
    wait_for(run, lambda run: run.is_finished)
    assert run.status == TaskRun.Status.SUCCEEDED
    assert len(applied_entries(run)) == 200

