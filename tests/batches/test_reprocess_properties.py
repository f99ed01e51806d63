"""Reprocessing, on batches nobody wrote by hand: whatever the entries, the chunk size and where a
write fails, every entry that can go is resubmitted exactly once (after a resume, or after asking
again), no other entry is touched, and the counts add up."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import TestCase
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import BankAccount
from batches.models import Batch, BatchEntry
from batches.ops.reprocess_batch import ALREADY_RESUBMITTED, RESUBMITTED
from batches.selectors import entry_skip_reason
from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_request, task_run_resume
from tests.batches.large_batches import resubmissions_per_entry
from tests.batches.refused_writes import RAISED_BY_THE_DATABASE, entry_write_refused
from tests.conftest import require_service
from tests.factories import make_bank_account, make_batch, make_batch_entry

# Most entries of a failed batch can go again; some cannot, each for its own reason.
ENTRY = st.fixed_dictionaries({
    "status": st.sampled_from([*[BatchEntry.Status.PENDING] * 4, *BatchEntry.Status.values]),
    "validation_error": st.sampled_from(["", "", "", "", "", "Account number fails the bank's check"]),
    "closed_account": st.sampled_from([False] * 6 + [True]),
})
BATCH = st.lists(ENTRY, min_size=3, max_size=40)


def batch_of(entries: list[dict]) -> Batch:
    """A failed batch with these entries, in this order, each paying its seller's account."""
    batch = make_batch(status=Batch.Status.FAILED, failure_reason="File rejected by the bank")
    first = make_batch_entry(batch=batch)
    closed = make_bank_account(customer=first.customer, status=BankAccount.Status.CLOSED)
    rows = [
        BatchEntry(batch=batch, direction=first.direction, customer_id=first.customer_id,
                   bank_account=closed if entry["closed_account"] else first.bank_account,
                   disbursement_id=first.disbursement_id, amount=first.amount, currency=first.currency,
                   status=entry["status"], validation_error=entry["validation_error"],
                   trace_number=f"{batch.reference}-{position:05d}",
                   created_at=first.created_at + timedelta(seconds=position))
        for position, entry in enumerate(entries)
    ]
    first.delete()
    BatchEntry.objects.bulk_create(rows)
    Batch.objects.filter(pk=batch.pk).update(entry_count=len(rows))
    batch.refresh_from_db()
    return batch


def can_go(entry: BatchEntry) -> bool:
    return entry_skip_reason(status=entry.status, validation_error=entry.validation_error,
                             account_status=entry.bank_account.status) is None


def reprocess(user, batch) -> TaskRun:
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = task_run_request(slug="reprocess-batch", target_id=batch.pk,
                               raw_params={"confirm_reference": batch.reference}, reason="Bank rejected the file",
                               origin=Origin(user=user, source="web"))
    run.refresh_from_db()
    return run


@pytest.mark.django_db
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=BATCH, chunk_size=st.integers(1, 6), failing=st.none() | st.integers(0, 39),
       then_resume=st.booleans())
# `failing`: which of the entries that can go has its write refused, if any.
def test_every_entry_that_can_go_is_resubmitted_exactly_once_whatever_fails(staff, settings, entries, chunk_size,
                                                                            failing, then_resume):
    require_service("PostgreSQL (a trigger refuses a write)", connection.vendor == "postgresql")
    settings.BATCH_REPROCESS_CHUNK_SIZE = chunk_size
    with transaction.atomic():  # each example on its own: rolled back at its end
        batch = batch_of(entries)
        in_order = list(batch.entries.select_related("bank_account").order_by("id"))
        going = [entry.pk for entry in in_order if can_go(entry)]
        failing_entry = going[failing % len(going)] if failing is not None and going else None

        if failing_entry is None:
            run = reprocess(staff["ops"], batch)
        else:
            with entry_write_refused(failing_entry, sqlstate=RAISED_BY_THE_DATABASE):
                run = reprocess(staff["ops"], batch)
        if failing_entry in going:
            assert run.status == TaskRun.Status.FAILED
            assert run.progress_done == run.chunks_committed * chunk_size
            assert (f"What was kept: {run.progress_done:,} of {len(in_order):,} entries worked through in "
                    f"{run.chunks_committed:,} committed chunk(s)" if run.chunks_committed
                    else "Nothing was changed.") in run.outcome
            if then_resume:
                with TestCase.captureOnCommitCallbacks(execute=True):
                    task_run_resume(run_id=run.pk, user=staff["ops"])
                run.refresh_from_db()
                assert run.tally.get(ALREADY_RESUBMITTED, 0) == 0, "a resumed run met its own work again"
            else:
                first, run = run, reprocess(staff["ops"], batch)
                assert run.tally.get(ALREADY_RESUBMITTED, 0) == first.tally.get(RESUBMITTED, 0)

        assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
        assert sum(run.tally.values()) == run.progress_done == len(in_order)
        assert resubmissions_per_entry(batch) == Counter({entry_id: 1 for entry_id in going})
        after = {entry.pk: entry for entry in batch.entries.all()}
        for entry in in_order:
            if entry.pk in going:
                assert (after[entry.pk].status, after[entry.pk].reprocess_round) == (BatchEntry.Status.SUBMITTED, 1)
            else:
                assert (after[entry.pk].status, after[entry.pk].reprocess_round) == (entry.status, 0)
        batch.refresh_from_db()
        assert (batch.status, batch.reprocess_count) == (Batch.Status.SUBMITTED, 1)
        transaction.set_rollback(True)
