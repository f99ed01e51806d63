"""The sweep hands runs that never reached a worker, or whose worker died, to a worker again: never
waiting on a run a live worker holds, at most once per grace period, and for every task."""

import datetime
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Customer
from batches.ops import reprocess_batch
from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_request, task_runs_sweep
from tests.batches.large_batches import make_failed_batch
from tests.celery_worker import PROJECT_DIR, database_url_for_processes, require_worker_services
from tests.concurrency import row_locked_elsewhere, wait_until
from tests.conftest import require_service
from tests.factories import make_customer

pytestmark = pytest.mark.django_db(transaction=True)


def left_running_by_a_dead_worker(run: TaskRun) -> TaskRun:
    """The run as a worker killed mid-way leaves it: running, its heartbeat long stopped."""
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    TaskRun.objects.filter(pk=run.pk).update(status=TaskRun.Status.RUNNING, heartbeat_at=long_ago, attempts=1,
                                             requested_at=long_ago, dispatched_at=long_ago)
    run.refresh_from_db()
    return run


def a_reprocess_left_running(staff, monkeypatch) -> TaskRun:
    monkeypatch.setattr(reprocess_batch, "APPROVAL_ENTRY_COUNT", 0)  # recorded, and nothing runs it yet
    batch = make_failed_batch(entries=3)
    run = task_run_request(slug="reprocess-batch", target_id=batch.pk,
                           raw_params={"confirm_reference": batch.reference},
                           reason="Bank rejected the file", origin=Origin(user=staff["ops"], source="web"))
    return left_running_by_a_dead_worker(run)


def test_the_sweep_passes_over_a_run_whose_row_a_live_worker_holds(staff, monkeypatch):
    require_service("PostgreSQL (rows locked by another session)", connection.vendor == "postgresql")
    run = a_reprocess_left_running(staff, monkeypatch)
    with row_locked_elsewhere(TaskRun, run.pk):  # a frozen worker, mid-chunk
        started = time.monotonic()
        assert task_runs_sweep() == []
        assert time.monotonic() - started < 2, "the sweep waited for the locked run"
    assert task_runs_sweep() == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.attempts) == (TaskRun.Status.SUCCEEDED, 2)


def test_a_dead_run_is_dispatched_at_most_once_per_grace_period(staff, settings, monkeypatch):
    require_worker_services()
    from config.celery import app

    settings.TASK_RUNNER = "celery"  # the runs go to the queue; no worker takes them
    settings.TASK_RUN_DISPATCH_GRACE_SECONDS = 1
    run = a_reprocess_left_running(staff, monkeypatch)
    try:
        assert task_runs_sweep() == [run.pk]
        assert task_runs_sweep() == [], "dispatched again within the grace period"
        time.sleep(1.1)
        assert task_runs_sweep() == [run.pk]
    finally:
        app.control.purge()  # no worker will take these messages


def test_a_synchronous_run_whose_process_died_is_executed_by_the_sweep(staff, settings):
    """The command line is killed while its change waits for the customer's row: nothing was
    applied, the run is left running, and the sweep carries it out once."""
    require_service("PostgreSQL (a process waits on a row lock)", connection.vendor == "postgresql")
    settings.TASK_RUN_STALE_AFTER_SECONDS = 0
    customer = make_customer(kind=Customer.Kind.BUYER, email="old@example.com")
    environment = {"DJANGO_SETTINGS_MODULE": "config.settings_test", "DATABASE_URL": database_url_for_processes(),
                   "PATH": "/usr/bin:/bin"}
    with row_locked_elsewhere(Customer, customer.pk):
        command_line = subprocess.Popen(
            [sys.executable, "manage.py", "opstask", "run", "change-email", "--as", "ops", "--target", str(customer.pk),
             "--param", "new_email=new@example.com", "--reason", "Customer lost the mailbox"],
            cwd=PROJECT_DIR, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(TaskRun.objects.filter(status=TaskRun.Status.RUNNING).exists, what="the run starting", timeout=60)
        command_line.send_signal(signal.SIGKILL)
        command_line.wait(timeout=30)
    run = TaskRun.objects.get()
    customer.refresh_from_db()
    assert (run.status, customer.email) == (TaskRun.Status.RUNNING, "old@example.com")

    assert task_runs_sweep() == [run.pk]
    run.refresh_from_db()
    customer.refresh_from_db()
    assert (run.status, run.attempts, customer.email) == (TaskRun.Status.SUCCEEDED, 2, "new@example.com")
    assert Customer.history.filter(id=customer.pk, email="new@example.com").count() == 1
    assert task_runs_sweep() == []
