"""Without a broker (the embedded default) a long task still runs in the background and reports progress."""

import threading
import time

from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_request
from tests.batches.large_batches import make_failed_batch


def test_runs_in_a_background_thread_and_reports_progress(transactional_db, staff, settings):
    settings.TASK_RUNNER = "thread"
    settings.BATCH_REPROCESS_CHUNK_SIZE = 50
    batch = make_failed_batch(entries=400)
    run = task_run_request(slug="reprocess-batch", target_id=batch.pk,
                           raw_params={"confirm_reference": batch.reference},
                           reason="Bank rejected the file", origin=Origin(user=staff["ops"], source="web"))
    assert run.status == TaskRun.Status.QUEUED, "the request returns before the work is done"
    deadline = time.monotonic() + 60
    while not run.is_finished and time.monotonic() < deadline:
        time.sleep(0.05)
        run.refresh_from_db()
    for thread in threading.enumerate():
        if thread.name == f"task-run-{run.pk}":
            thread.join(timeout=10)
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert run.progress_done == run.progress_total == 400
