"""A large import from Zendesk on a real Celery worker over Redis: progress as it goes, and a
worker killed half-way replaced without a ticket written twice."""

import time

import pytest

from opsconsole.models import TaskRun
from opsconsole.tasking.history import change_reason_for
from opsconsole.tasking.services import Origin, task_run_request, task_runs_sweep
from support.models import Ticket, TrackerImportRow
from tests.batches.test_reprocess_worker import wait_for
from tests.celery_worker import celery_workers
from tests.support.test_tracker_import_properties import checked
from tests.support.test_tracker_imports import ZENDESK_HEADER, zendesk_line

ROWS = 3000
WORKER_SETTINGS = {"SUPPORT_IMPORT_CHUNK_SIZE": "100", "TASK_RUN_STALE_AFTER_SECONDS": "2"}


@pytest.fixture
def on_worker(transactional_db, settings, tmp_path):
    """Runs go to Celery; started workers are stopped when the test ends."""
    with celery_workers(settings, tmp_path, **WORKER_SETTINGS) as start_worker:
        yield start_worker


def import_requested(person) -> TaskRun:
    text = ZENDESK_HEADER + "".join(zendesk_line(number) for number in range(1, ROWS + 1))
    tracker_import = checked(text, person)
    return task_run_request(slug="import-tracker-file", target_id=tracker_import.pk, raw_params={},
                            reason="Moving off Zendesk", origin=Origin(user=person, source=TaskRun.Source.WEB))


def tickets_written_by(run) -> list[str]:
    return list(Ticket.history.filter(history_change_reason=change_reason_for(run), history_type="+")
                .values_list("source_id", flat=True))


def test_a_worker_imports_thousands_of_rows_with_progress(on_worker, staff):
    on_worker()
    run = import_requested(staff["engineer"])
    seen = wait_for(run, lambda run: run.is_finished)
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert run.progress_done == run.progress_total == ROWS
    assert any(0 < done < ROWS for done in seen), "progress was never seen between start and end"
    assert sorted(tickets_written_by(run), key=int) == [str(number) for number in range(1, ROWS + 1)]


def test_a_killed_worker_is_replaced_and_every_row_is_written_exactly_once(on_worker, staff):
    first_worker = on_worker()
    run = import_requested(staff["engineer"])
    wait_for(run, lambda run: run.progress_done > 0, poll=0.002)
    first_worker.kill()
    run.refresh_from_db()
    assert run.status == TaskRun.Status.RUNNING and run.progress_done < ROWS
    on_worker()
    time.sleep(2.5)  # the dead worker's heartbeat goes stale
    assert task_runs_sweep() == [run.pk]
    wait_for(run, lambda run: run.is_finished)
    assert run.status == TaskRun.Status.SUCCEEDED and run.attempts == 2, run.outcome
    written = tickets_written_by(run)
    assert len(written) == len(set(written)) == ROWS == Ticket.objects.filter(source="zendesk").count()
    assert TrackerImportRow.objects.filter(outcome=TrackerImportRow.Outcome.CREATED).count() == ROWS
