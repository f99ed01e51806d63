"""Reprocessing on a real Celery worker over Redis: progress, a SIGKILLed worker, a broker outage,
a database connection terminated mid-chunk, and Redis frozen while people confirm and approve."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from batches.models import BatchEntry
from batches.ops import reprocess_batch
from opsconsole.admin_urls import run_page_url, task_page_url
from opsconsole.models import TaskRun
from opsconsole.tasking.history import change_reason_for
from opsconsole.tasking.services import Origin, task_run_request, task_run_resume, task_runs_sweep
from tests.batches.large_batches import make_failed_batch, resubmissions_per_entry
from tests.batches.refused_writes import SERIALIZATION_FAILURE, entry_write_refused
from tests.bench_background import wait_for_the_benchmark
from tests.celery_worker import PROJECT_DIR, celery_workers, database_url_for_processes, redis_start, redis_stop
from tests.concurrency import row_locked_elsewhere, wait_for_sessions_waiting_on_a_lock

ENTRIES = 3000
WORKER_SETTINGS = {"BATCH_REPROCESS_CHUNK_SIZE": "50", "TASK_RUN_STALE_AFTER_SECONDS": "2",
                   "TASK_RUN_RETRY_BACKOFF_SECONDS": "0.5"}


@pytest.fixture
def on_worker(transactional_db, settings, tmp_path):
    """Runs go to Celery; started workers are stopped when the test ends."""
    with celery_workers(settings, tmp_path, **WORKER_SETTINGS) as start_worker:
        yield start_worker


def request_reprocess(staff_user, batch) -> TaskRun:
    return task_run_request(slug="reprocess-batch", target_id=batch.pk,
                            raw_params={"confirm_reference": batch.reference},
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



@contextmanager
def entry_locked_then_worker_connection_terminated(entry_id: int, *, hold_after: float = 0.0):
    """Hold a lock on one entry until the worker's chunk waits for it, then terminate the worker's
    database session, as a failover or an administrator would; the lock goes `hold_after` later."""
    with row_locked_elsewhere(BatchEntry, entry_id):
        yield
        with connection.cursor() as cursor:
            waiting = wait_for_sessions_waiting_on_a_lock(cursor, 1)
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [waiting])
        time.sleep(hold_after)


def test_a_chunk_whose_connection_is_terminated_is_tried_again_and_each_entry_applied_once(on_worker, staff):
    worker = on_worker()
    batch = make_failed_batch(entries=300)
    locked = batch.entries.order_by("id").values_list("id", flat=True)[120]
    with entry_locked_then_worker_connection_terminated(locked, hold_after=0.2):
        run = request_reprocess(staff["ops"], batch)
    wait_for(run, lambda run: run.is_finished)
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert (run.attempts, run.tally) == (1, {"resubmitted": 300})
    assert resubmissions_per_entry(batch) == Counter(
        {entry_id: 1 for entry_id in batch.entries.values_list("id", flat=True)})
    assert "trying its chunk again" in worker.log_path.read_text()


def test_a_run_that_cannot_go_on_is_resumed_and_finishes_with_each_entry_applied_once(on_worker, staff):
    on_worker(TASK_RUN_TRANSIENT_RETRIES="0")
    batch = make_failed_batch(entries=300)
    locked = batch.entries.order_by("id").values_list("id", flat=True)[120]
    held_for = 1.0
    with entry_locked_then_worker_connection_terminated(locked):
        run = request_reprocess(staff["ops"], batch)
        wait_for(run, lambda run: run.progress_done == 100)
        time.sleep(held_for)  # the worker waits on the entry all this time: part of its first attempt
    wait_for(run, lambda run: run.is_finished)
    assert run.status == TaskRun.Status.FAILED
    assert "What was kept: 100 of 300 entries worked through in 2 committed chunk(s) (100 resubmitted)" in run.outcome
    assert run.duration_ms >= held_for * 1000

    task_run_resume(run_id=run.pk, user=staff["ops"])
    wait_for(run, lambda run: run.is_finished)
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert (run.attempts, run.tally) == (2, {"resubmitted": 300})
    assert resubmissions_per_entry(batch) == Counter(
        {entry_id: 1 for entry_id in batch.entries.values_list("id", flat=True)})


@contextmanager
def redis_frozen():
    """Redis stopped in its tracks with SIGSTOP: its port still accepts connections, nothing answers.
    Once the benchmark's run in the background, which uses it, has ended (tests/bench_background.py)."""
    wait_for_the_benchmark()
    pid = redis.Redis.from_url(django_settings.REDIS_URL).info("server")["process_id"]
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_with_redis_frozen_confirming_and_approving_answer_within_seconds_and_the_runs_start_later(
        on_worker, staff, client_as, monkeypatch):
    to_confirm, to_approve, from_cli = (make_failed_batch(entries=80), make_failed_batch(entries=120),
                                        make_failed_batch(entries=60))
    monkeypatch.setattr(reprocess_batch, "APPROVAL_ENTRY_COUNT", 100)
    command_line = [sys.executable, "manage.py", "opstask"]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test",
                   "DATABASE_URL": database_url_for_processes(), "REDIS_URL": django_settings.REDIS_URL,
                   "TASK_RUNNER": "celery"}
    _, starting_up = timed(lambda: subprocess.run([*command_line, "list"], cwd=PROJECT_DIR, env=environment,
                                                  capture_output=True, check=True))
    waiting = request_reprocess(staff["ops"], to_approve)
    assert waiting.status == TaskRun.Status.AWAITING_APPROVAL
    ops, lead = client_as("ops"), client_as("lead")
    page = task_page_url(slug="reprocess-batch", target_id=to_confirm.pk)
    with redis_frozen():
        confirmed, confirm_took = timed(lambda: ops.post(page, {
            "step": "confirm", "confirm_reference": to_confirm.reference, "reason": "Bank rejected the file",
            "ticket_reference": "", "idempotency_key": "frozen-queue"}))
        approved, approve_took = timed(lambda: lead.post(
            reverse("admin:opsconsole_taskrun_decide", args=[waiting.pk]), {"decision": "approve", "comment": "ok"}))
        run = TaskRun.objects.get(idempotency_key="frozen-queue")
        run_page = ops.get(run_page_url(run))
        said, cli_took = timed(lambda: subprocess.run(
            [*command_line, "run", "reprocess-batch", "--as", "ops", "--target", str(from_cli.pk),
             "--param", f"confirm_reference={from_cli.reference}", "--reason", "Bank rejected the file"],
            cwd=PROJECT_DIR, env=environment, capture_output=True, text=True))
    assert confirm_took < 5 and approve_took < 5, (confirm_took, approve_took)
    assert cli_took < starting_up + 5, (cli_took, starting_up)
    assert said.returncode == 0 and "queued, but the task queue did not answer" in said.stdout, said
    assert "Traceback" not in said.stderr
    assert confirmed.status_code == approved.status_code == 302 and confirmed.url == run_page_url(run)
    waiting.refresh_from_db()
    for queued in (run, waiting):
        assert (queued.status, queued.dispatched_at) == (TaskRun.Status.QUEUED, None)
    assert "will start when the queue is back" in run_page.content.decode()

    on_worker()
    # A message whose sending timed out may still have reached Redis once it woke up: the worker
    # then takes that run by itself, and the sweep hands over the rest.
    from_command_line = TaskRun.objects.get(target_id=str(from_cli.pk))
    assert set(task_runs_sweep()) <= {run.pk, waiting.pk, from_command_line.pk}
    for queued, batch in ((run, to_confirm), (waiting, to_approve), (from_command_line, from_cli)):
        wait_for(queued, lambda run: run.is_finished)
        assert queued.status == TaskRun.Status.SUCCEEDED, queued.outcome
        assert set(resubmissions_per_entry(batch).values()) == {1}


def test_a_write_refused_once_on_the_worker_is_tried_again_and_each_entry_applied_once(on_worker, staff):
    worker = on_worker()
    batch = make_failed_batch(entries=300)
    refused = batch.entries.order_by("id").values_list("id", flat=True)[170]
    with entry_write_refused(refused, sqlstate=SERIALIZATION_FAILURE, times=1):
        run = request_reprocess(staff["ops"], batch)
        wait_for(run, lambda run: run.is_finished)
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert (run.attempts, run.tally) == (1, {"resubmitted": 300})
    assert resubmissions_per_entry(batch) == Counter(
        {entry_id: 1 for entry_id in batch.entries.values_list("id", flat=True)})
    assert "trying its chunk again in" in worker.log_path.read_text()
