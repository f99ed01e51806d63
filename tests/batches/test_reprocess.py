"""Reprocess a batch: only failed or stuck ones, in chunks with progress, settled entries skipped,
and a run interrupted mid-way resumes without applying any entry twice."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from accounts.models import BankAccount
from batches.models import Batch, BatchEntry
from opsconsole.models import TaskRun
from opsconsole.tasking.history import change_reason_for
from opsconsole.tasking.services import Origin, task_run_execute, task_run_request
from payments.models import Disbursement
from tests.batches.large_batches import make_failed_batch
from tests.factories import make_batch, make_batch_entry


def reprocess(user, batch, confirm=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = task_run_request(slug="reprocess-batch", target_id=batch.pk,
                               raw_params={"confirm_reference": confirm or batch.reference},
                               reason="Bank asked us to resend", origin=Origin(user=user, source="web"))
    run.refresh_from_db()
    return run


def resubmissions_by(run) -> list[int]:
    return list(BatchEntry.history.filter(history_change_reason=change_reason_for(run)).values_list("id", flat=True))


def test_resubmits_what_can_go_and_lists_what_was_skipped_and_why(staff):
    batch = make_batch(status=Batch.Status.FAILED, failure_reason="File rejected")
    pending = make_batch_entry(batch=batch, status=BatchEntry.Status.PENDING)
    make_batch_entry(batch=batch, status=BatchEntry.Status.SETTLED)
    make_batch_entry(batch=batch, status=BatchEntry.Status.RETURNED, return_code="3")
    make_batch_entry(batch=batch, status=BatchEntry.Status.REJECTED, validation_error="BSB 999-999 is not valid")
    closed = make_batch_entry(batch=batch, status=BatchEntry.Status.PENDING)
    BankAccount.objects.filter(pk=closed.bank_account_id).update(status=BankAccount.Status.CLOSED)
    run = reprocess(staff["ops"], batch)
    batch.refresh_from_db()
    pending.refresh_from_db()
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert run.tally == {"resubmitted": 1, "skipped: already settled": 1, "skipped: returned by the bank": 1,
                         "skipped: invalid account details": 2}
    assert "1 resubmitted" in run.outcome and "2 skipped: invalid account details" in run.outcome
    assert (run.progress_done, run.progress_total, run.progress_percent) == (5, 5, 100)
    assert (batch.status, batch.failure_reason) == (Batch.Status.SUBMITTED, "")
    assert pending.status == BatchEntry.Status.SUBMITTED
    assert Disbursement.objects.get(pk=pending.disbursement_id).status == Disbursement.Status.BATCHED
    assert resubmissions_by(run) == [pending.pk]


def test_a_stuck_batch_can_be_reprocessed_but_a_healthy_or_settled_one_cannot(staff):
    long_ago = timezone.now() - datetime.timedelta(days=2)
    stuck = make_batch(status=Batch.Status.SUBMITTED, submitted_at=long_ago, acknowledged_at=None)
    make_batch_entry(batch=stuck, status=BatchEntry.Status.SUBMITTED)
    assert reprocess(staff["ops"], stuck).status == TaskRun.Status.SUCCEEDED
    for batch in (make_batch(status=Batch.Status.SETTLED),
                  make_batch(status=Batch.Status.SUBMITTED, submitted_at=timezone.now())):
        run = reprocess(staff["ops"], batch)
        assert run.status == TaskRun.Status.REJECTED and "only a failed or stuck batch" in run.outcome


def test_the_reference_must_be_typed_to_confirm(staff):
    batch = make_failed_batch(entries=2)
    run = reprocess(staff["ops"], batch, confirm="B-0")
    batch.refresh_from_db()
    assert run.status == TaskRun.Status.REJECTED and run.outcome.startswith("confirm_reference: Type ")
    assert batch.status == Batch.Status.FAILED


def test_works_in_chunks_and_skips_settled_entries(staff, settings):
    settings.BATCH_REPROCESS_CHUNK_SIZE = 100
    batch = make_failed_batch(entries=1050, settled_every=10)
    run = reprocess(staff["ops"], batch)
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert run.tally == {"resubmitted": 946, "skipped: already settled": 104}
    assert run.progress_done == run.progress_total == 1050
    assert not batch.entries.exclude(status__in=[BatchEntry.Status.SUBMITTED, BatchEntry.Status.SETTLED]).exists()


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing in the runner catches it."""


def test_an_interrupted_run_resumes_from_its_checkpoint_and_applies_each_entry_once(staff, settings, monkeypatch):
    settings.BATCH_REPROCESS_CHUNK_SIZE = 100
    settings.TASK_RUN_STALE_AFTER_SECONDS = 0
    batch = make_failed_batch(entries=450)
    from batches.ops.reprocess_batch import ReprocessBatch

    original = ReprocessBatch.execute_chunk
    calls = []

    def dies_in_third_chunk(self, target, params, cursor, run):
        calls.append(cursor)
        chunk = original(self, target, params, cursor, run)
        if len(calls) == 3:
            raise WorkerKilled
        return chunk

    monkeypatch.setattr(ReprocessBatch, "execute_chunk", dies_in_third_chunk)
    with pytest.raises(WorkerKilled):
        reprocess(staff["ops"], batch)
    run = TaskRun.objects.get()
    assert run.status == TaskRun.Status.RUNNING and run.progress_done == 200
    monkeypatch.setattr(ReprocessBatch, "execute_chunk", original)
    task_run_execute(run_id=run.pk)  # the message, redelivered to another worker
    run.refresh_from_db()
    assert run.status == TaskRun.Status.SUCCEEDED and run.attempts == 2
    applied = resubmissions_by(run)
    assert len(applied) == len(set(applied)) == 450
    assert run.tally == {"resubmitted": 450}


def test_a_live_run_is_not_taken_over_by_a_duplicate_message(staff):
    batch = make_failed_batch(entries=3)
    run = reprocess(staff["ops"], batch)
    TaskRun.objects.filter(pk=run.pk).update(status=TaskRun.Status.RUNNING, heartbeat_at=timezone.now())
    again = task_run_execute(run_id=run.pk)
    assert again.attempts == 1 and len(resubmissions_by(run)) == 3


def test_the_sweep_dispatches_a_run_that_never_reached_a_worker(staff, settings):
    settings.TASK_RUN_DISPATCH_GRACE_SECONDS = 0
    batch = make_failed_batch(entries=3)
    run = task_run_request(slug="reprocess-batch", target_id=batch.pk,
                           raw_params={"confirm_reference": batch.reference}, reason="resend",
                           origin=Origin(user=staff["ops"], source="web"))
    run.refresh_from_db()
    assert run.status == TaskRun.Status.QUEUED  # its on-commit dispatch never fired
    out = StringIO()
    call_command("sweep_task_runs", stdout=out)
    run.refresh_from_db()
    assert f"Dispatched 1 run(s): {run.pk}." in out.getvalue()
    assert run.status == TaskRun.Status.SUCCEEDED and run.dispatched_at is not None
