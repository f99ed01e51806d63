"""A reprocess that meets a database error keeps what it committed and never applies an entry
twice: a transient error is tried again, a run that still fails says what was kept and can be
resumed, and asking again continues instead of redoing. Every test counts history rows per entry."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from batches.models import Batch, BatchEntry
from batches.ops import reprocess_batch
from batches.ops.reprocess_batch import ALREADY_RESUBMITTED
from opsconsole.admin_urls import run_page_url
from opsconsole.errors import OpsError
from opsconsole.models import TaskRun
from opsconsole.tasking.services import NOT_RESUMABLE, Origin, task_run_request, task_run_resume
from tests.batches.large_batches import make_failed_batch, resubmissions_per_entry
from tests.batches.refused_writes import RAISED_BY_THE_DATABASE, SERIALIZATION_FAILURE, entry_write_refused
from tests.conftest import require_service

pytestmark = pytest.mark.django_db(transaction=True)
ENTRIES, CHUNK = 450, 100


@pytest.fixture(autouse=True)
def small_chunks(settings):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    settings.BATCH_REPROCESS_CHUNK_SIZE = CHUNK
    settings.TASK_RUN_RETRY_BACKOFF_SECONDS = 0.01


def request_reprocess(user, batch) -> TaskRun:
    run = task_run_request(slug="reprocess-batch", target_id=batch.pk,
                           raw_params={"confirm_reference": batch.reference}, reason="Bank rejected the file",
                           origin=Origin(user=user, source="web"))
    run.refresh_from_db()
    return run


def entry_ids(batch) -> list[int]:
    return list(batch.entries.order_by("id").values_list("id", flat=True))


def test_a_write_refused_once_is_tried_again_and_the_run_succeeds(staff):
    batch = make_failed_batch(entries=ENTRIES)
    with entry_write_refused(entry_ids(batch)[250], sqlstate=SERIALIZATION_FAILURE, times=1):
        run = request_reprocess(staff["ops"], batch)
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert (run.attempts, run.chunks_committed, run.tally) == (1, 5, {"resubmitted": ENTRIES})
    assert resubmissions_per_entry(batch) == Counter({entry_id: 1 for entry_id in entry_ids(batch)})


def test_a_run_that_keeps_failing_says_what_was_kept_and_leaves_the_rest_untouched(staff, settings):
    settings.TASK_RUN_TRANSIENT_RETRIES = 2
    batch = make_failed_batch(entries=ENTRIES)
    with entry_write_refused(entry_ids(batch)[250], sqlstate=SERIALIZATION_FAILURE):
        run = request_reprocess(staff["ops"], batch)
    assert run.status == TaskRun.Status.FAILED
    assert run.outcome.startswith("OperationalError: the write of batch entry")
    assert ("What was kept: 200 of 450 entries worked through in 2 committed chunk(s) (200 resubmitted); "
            "the rest is untouched.") in run.outcome
    assert resubmissions_per_entry(batch) == Counter({entry_id: 1 for entry_id in entry_ids(batch)[:200]})
    assert not batch.entries.filter(id__gt=entry_ids(batch)[199]).exclude(status=BatchEntry.Status.PENDING).exists()
    batch.refresh_from_db()
    assert batch.status == Batch.Status.FAILED


def test_a_failed_run_resumed_finishes_from_where_it_stopped_on_the_record(staff):
    batch = make_failed_batch(entries=ENTRIES)
    with entry_write_refused(entry_ids(batch)[320], sqlstate=RAISED_BY_THE_DATABASE):
        run = request_reprocess(staff["ops"], batch)
    assert run.status == TaskRun.Status.FAILED and run.progress_done == 300
    failed_duration = run.duration_ms

    run = task_run_resume(run_id=run.pk, user=staff["lead"])
    run.refresh_from_db()
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert (run.attempts, run.progress_done, run.tally) == (2, ENTRIES, {"resubmitted": ENTRIES})
    assert run.duration_ms >= failed_duration, "the resumed run's duration forgot its first attempt"
    assert resubmissions_per_entry(batch) == Counter({entry_id: 1 for entry_id in entry_ids(batch)})
    resumed = AuditEvent.objects.get(task_run=run, action=AuditEvent.Action.TASK_RESUMED)
    assert (resumed.actor, resumed.summary) == (staff["lead"], "Reprocess a bank batch: resumed after 300 of 450 done")


def test_asking_again_after_a_failure_half_way_continues_and_redoes_nothing(staff):
    batch = make_failed_batch(entries=ENTRIES, settled_every=50)
    settled = batch.entries.filter(status=BatchEntry.Status.SETTLED).count()
    with entry_write_refused(entry_ids(batch)[251], sqlstate=RAISED_BY_THE_DATABASE):
        first = request_reprocess(staff["ops"], batch)
    assert first.status == TaskRun.Status.FAILED
    second = request_reprocess(staff["ops"], batch)
    assert second.status == TaskRun.Status.SUCCEEDED, second.outcome
    done_by_first = first.tally["resubmitted"]
    assert second.tally == {"resubmitted": ENTRIES - settled - done_by_first, ALREADY_RESUBMITTED: done_by_first,
                            "skipped: already settled": settled}
    resubmitted = resubmissions_per_entry(batch)
    assert set(resubmitted.values()) == {1} and len(resubmitted) == ENTRIES - settled
    batch.refresh_from_db()
    assert (batch.status, batch.reprocess_count) == (Batch.Status.SUBMITTED, 1)


def test_a_later_reprocess_of_the_batch_resubmits_its_entries_again(staff):
    batch = make_failed_batch(entries=3)
    assert request_reprocess(staff["ops"], batch).status == TaskRun.Status.SUCCEEDED
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.FAILED)  # the bank rejects the file again
    again = request_reprocess(staff["ops"], batch)
    assert again.tally == {"resubmitted": 3}
    assert resubmissions_per_entry(batch) == Counter({entry_id: 2 for entry_id in entry_ids(batch)})


def test_only_a_failed_background_run_is_resumed_and_only_by_someone_who_may_run_it(staff):
    batch = make_failed_batch(entries=ENTRIES)
    with entry_write_refused(entry_ids(batch)[120], sqlstate=RAISED_BY_THE_DATABASE):
        failed = request_reprocess(staff["ops"], batch)
    for person in ("nobody", "auditor"):
        with pytest.raises(OpsError, match="You do not have permission to run 'Reprocess a bank batch'"):
            task_run_resume(run_id=failed.pk, user=staff[person])
    finished = task_run_resume(run_id=failed.pk, user=staff["ops"])
    with pytest.raises(OpsError) as refusal:
        task_run_resume(run_id=finished.pk, user=staff["ops"])
    assert refusal.value.message == NOT_RESUMABLE.format(run_id=failed.pk, status="succeeded")
    assert AuditEvent.objects.filter(task_run=failed, action=AuditEvent.Action.TASK_RESUMED).count() == 1


def failed_half_way(user, batch) -> TaskRun:
    with entry_write_refused(entry_ids(batch)[150], sqlstate=RAISED_BY_THE_DATABASE):
        run = request_reprocess(user, batch)
    assert run.status == TaskRun.Status.FAILED
    return run


def test_the_run_page_offers_resume_to_people_who_may_run_the_task(staff, client_as):
    batch = make_failed_batch(entries=ENTRIES)
    run = failed_half_way(staff["ops"], batch)
    page = client_as("ops").get(run_page_url(run)).content.decode()
    assert 'id="task-run-resume"' in page and "What was kept: 100 of 450 entries" in page
    assert 'id="task-run-resume"' not in client_as("auditor").get(run_page_url(run)).content.decode()

    refused = client_as("auditor").post(reverse("admin:opsconsole_taskrun_resume", args=[run.pk]), follow=True)
    assert "You do not have permission to run" in refused.content.decode()
    run.refresh_from_db()
    assert run.status == TaskRun.Status.FAILED

    resumed = client_as("ops").post(reverse("admin:opsconsole_taskrun_resume", args=[run.pk]), follow=True)
    assert f"Run #{run.pk} resumed" in resumed.content.decode()
    event = AuditEvent.objects.get(task_run=run, action=AuditEvent.Action.TASK_RESUMED)
    assert (event.actor, event.source) == (staff["ops"], AuditEvent.Source.WEB)
    run.refresh_from_db()
    assert (run.status, run.attempts) == (TaskRun.Status.SUCCEEDED, 2)
    assert set(resubmissions_per_entry(batch).values()) == {1}


def test_the_command_line_resumes_a_failed_run_and_says_where_each_run_stands(staff, monkeypatch):
    batch = make_failed_batch(entries=ENTRIES)
    run = failed_half_way(staff["ops"], batch)
    with pytest.raises(CommandError, match=f"^Run #{run.pk} is succeeded|You do not have permission"):
        call_command("opstask", "resume", str(run.pk), "--as", "auditor")
    said = StringIO()
    call_command("opstask", "resume", str(run.pk), "--as", "ops", stdout=said)
    assert said.getvalue().startswith(f"Run #{run.pk} succeeded: Batch {batch.reference} resubmitted")
    assert AuditEvent.objects.get(task_run=run, action=AuditEvent.Action.TASK_RESUMED).source == AuditEvent.Source.CLI

    monkeypatch.setattr(reprocess_batch, "APPROVAL_ENTRY_COUNT", 0)
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.FAILED)
    said = StringIO()
    call_command("opstask", "run", "reprocess-batch", "--as", "ops", "--target", str(batch.pk),
                 "--param", f"confirm_reference={batch.reference}", "--reason", "Again", stdout=said)
    waiting = TaskRun.objects.latest("pk")
    assert said.getvalue() == (f"Run #{waiting.pk} awaiting approval: a second person with approval rights must "
                               "approve it before it runs.\n")
