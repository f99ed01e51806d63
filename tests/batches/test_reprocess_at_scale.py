"""Reprocessing a large batch: a chunk costs the same few queries however many entries it holds,
and every entry it resubmits, and the disbursement that entry pays, gets one history row that
names the run and the person who asked for it."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from batches.models import BatchEntry
from opsconsole.models import TaskRun
from opsconsole.tasking.history import change_reason_for
from opsconsole.tasking.services import Origin, task_run_execute, task_run_request
from payments.models import Disbursement
from tests.batches.large_batches import make_failed_batch


def queued_reprocess(user, batch) -> TaskRun:
    """A requested run, not yet executed: inside a test's transaction its dispatch never fires."""
    run = task_run_request(slug="reprocess-batch", target_id=batch.pk,
                           raw_params={"confirm_reference": batch.reference},
                           reason="Bank asked us to resend", origin=Origin(user=user, source="web"))
    assert run.status == TaskRun.Status.QUEUED, run.outcome
    return run


def queries_to_reprocess(user, batch) -> int:
    run = queued_reprocess(user, batch)
    with CaptureQueriesContext(connection) as queries:
        run = task_run_execute(run_id=run.pk)
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    return len(queries)


def test_a_chunk_costs_the_same_queries_whether_it_holds_ten_entries_or_four_hundred(staff, settings):
    settings.BATCH_REPROCESS_CHUNK_SIZE = 1000
    queries_to_reprocess(staff["ops"], make_failed_batch(entries=2, own_disbursements=True))  # caches filled
    few = queries_to_reprocess(staff["ops"], make_failed_batch(entries=10, settled_every=4, own_disbursements=True))
    many = queries_to_reprocess(staff["ops"], make_failed_batch(entries=400, settled_every=4, own_disbursements=True))
    assert few == many


def test_every_resubmitted_entry_and_its_disbursement_has_one_history_row_naming_the_run(staff, settings):
    settings.BATCH_REPROCESS_CHUNK_SIZE = 15
    batch = make_failed_batch(entries=40, settled_every=10, own_disbursements=True)
    run = task_run_execute(run_id=queued_reprocess(staff["ops"], batch).pk)
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert run.tally == {"resubmitted": 37, "skipped: already settled": 3}

    resubmitted = batch.entries.filter(status=BatchEntry.Status.SUBMITTED)
    entry_history = BatchEntry.history.filter(batch_id=batch.pk, history_type="~")
    assert sorted(entry_history.values_list("id", flat=True)) == sorted(resubmitted.values_list("id", flat=True))
    disbursement_history = Disbursement.history.filter(history_type="~")
    assert sorted(disbursement_history.values_list("id", flat=True)) == sorted(
        resubmitted.values_list("disbursement_id", flat=True))
    for history in (entry_history, disbursement_history):
        assert set(history.values_list("history_change_reason", "history_user")) == {
            (change_reason_for(run), staff["ops"].pk)}
    assert set(entry_history.values_list("status", flat=True)) == {BatchEntry.Status.SUBMITTED}
    assert set(disbursement_history.values_list("status", "failure_reason")) == {(Disbursement.Status.BATCHED, "")}
    assert not BatchEntry.history.filter(batch_id=batch.pk, history_type="~", status=BatchEntry.Status.SETTLED).exists()
