"""At most one active run of a task (or of its conflict group) on one object, held by the
database: two people confirming at once, from two threads or two processes, get one run, and the
other a refusal that names it. The inserts are released together so that they really race."""

import subprocess
import sys

import pytest
from django.db import connection

from batches.models import Batch
from batches.ops import reprocess_batch
from opsconsole.admin_urls import run_page_url, task_page_url
from opsconsole.errors import OpsError
from opsconsole.models import ACTIVE_RUN_STATUSES, TaskRun
from opsconsole.tasking.base import Risk
from opsconsole.tasking.registry import registry
from opsconsole.tasking.services import (
    RUN_IN_PROGRESS,
    Origin,
    task_run_approve,
    task_run_decline,
    task_run_request,
    task_run_resume,
)
from payments.models import Item, ItemState
from tests.batches.large_batches import make_failed_batch
from tests.batches.refused_writes import RAISED_BY_THE_DATABASE, entry_write_refused
from tests.celery_worker import PROJECT_DIR, database_url_for_processes
from tests.concurrency import (
    awaited,
    racing_in_threads,
    row_locked_elsewhere,
    runs_released_together,
    started_in_threads,
    wait_until,
)
from tests.conftest import require_service
from tests.factories import make_item, make_item_fee
from tests.opsconsole.task_examples import TASK_EXAMPLES

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def on_postgresql():
    require_service("PostgreSQL (the race is decided by its unique index)", connection.vendor == "postgresql")


@pytest.fixture
def reprocess_needs_approval(monkeypatch):
    """Every reprocess waits for approval, so a run stays active without executing."""
    monkeypatch.setattr(reprocess_batch, "APPROVAL_ENTRY_COUNT", 0)


def reprocess(user, batch):
    return lambda: task_run_request(slug="reprocess-batch", target_id=batch.pk,
                                    raw_params={"confirm_reference": batch.reference}, reason="Bank rejected the file",
                                    origin=Origin(user=user, source="web"))


def assert_one_run_and_a_refusal_naming_it(runs: list[TaskRun]) -> tuple[TaskRun, TaskRun]:
    for run in runs:
        run.refresh_from_db()
    refused = [run for run in runs if run.status == TaskRun.Status.REJECTED]
    kept = [run for run in runs if run.status != TaskRun.Status.REJECTED]
    assert len(kept) == len(refused) == 1, [(run.pk, run.status, run.outcome) for run in runs]
    kept, refused = kept[0], refused[0]
    assert refused.blocked_by == kept
    assert refused.outcome == RUN_IN_PROGRESS.format(
        run_id=kept.pk, title=kept.task_title, status=kept.get_status_display().lower(), kind="batch")
    return kept, refused


def test_two_people_confirming_the_same_reprocess_at_once_get_one_run(staff, reprocess_needs_approval):
    batch = make_failed_batch(entries=5)
    runs = racing_in_threads(reprocess(staff["ops"], batch), reprocess(staff["lead"], batch))
    kept, _ = assert_one_run_and_a_refusal_naming_it(runs)
    assert kept.status == TaskRun.Status.AWAITING_APPROVAL
    assert TaskRun.objects.filter(status__in=ACTIVE_RUN_STATUSES).count() == 1


def test_two_command_lines_reprocessing_at_once_get_one_run(staff, tmp_path):
    batch = make_failed_batch(entries=5)
    # A queue that does not answer: each run stays queued where the race left it.
    environment = {"DJANGO_SETTINGS_MODULE": "config.settings_test", "DATABASE_URL": database_url_for_processes(),
                   "REDIS_URL": "redis://127.0.0.1:9/0", "TASK_RUNNER": "celery", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "manage.py", "opstask", "run", "reprocess-batch", "--target", str(batch.pk),
               "--param", f"confirm_reference={batch.reference}", "--reason", "Bank rejected the file"]
    with runs_released_together(2):
        processes = [subprocess.Popen([*command, "--as", username], cwd=PROJECT_DIR, env=environment, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE) for username in ("ops", "lead")]
    outputs = [process.communicate(timeout=120) for process in processes]
    kept, refused = assert_one_run_and_a_refusal_naming_it(list(TaskRun.objects.all()))
    assert kept.status == TaskRun.Status.QUEUED
    assert sorted(process.returncode for process in processes) == [0, 1]
    said = "".join(out + err for out, err in outputs)
    assert f"Run #{kept.pk} queued, but the task queue did not answer" in said
    assert f"Run #{refused.pk} rejected: Run #{kept.pk} (Reprocess a bank batch) is already queued" in said
    assert "Traceback" not in said


def test_no_second_request_joins_an_approved_run_while_it_runs(staff, reprocess_needs_approval):
    batch = make_failed_batch(entries=5)
    first = reprocess(staff["ops"], batch)()
    with row_locked_elsewhere(Batch, batch.pk):  # the approved run starts, then waits for the batch
        approving, _ = started_in_threads(lambda: task_run_approve(run_id=first.pk, approver=staff["lead"]))
        wait_until(lambda: TaskRun.objects.get(pk=first.pk).status == TaskRun.Status.RUNNING,
                   what="the approved run starting")
        [second] = awaited(*started_in_threads(reprocess(staff["ops"], batch)))
    awaited(approving, [])
    first.refresh_from_db()
    assert (second.status, second.blocked_by_id) == (TaskRun.Status.REJECTED, first.pk)
    assert "is already running on this batch" in second.outcome
    assert first.status == TaskRun.Status.SUCCEEDED and first.tally == {"resubmitted": 5}


def test_resuming_a_failed_run_is_refused_while_a_newer_request_holds_the_batch(staff, reprocess_needs_approval,
                                                                                 settings):
    settings.BATCH_REPROCESS_CHUNK_SIZE = 2
    batch = make_failed_batch(entries=5)
    first = reprocess(staff["ops"], batch)()
    with entry_write_refused(batch.entries.order_by("id").values_list("id", flat=True)[3],
                             sqlstate=RAISED_BY_THE_DATABASE):
        task_run_approve(run_id=first.pk, approver=staff["lead"])
    first.refresh_from_db()
    assert first.status == TaskRun.Status.FAILED
    newer = reprocess(staff["ops"], batch)()
    assert newer.status == TaskRun.Status.AWAITING_APPROVAL
    with pytest.raises(OpsError, match=f"Run #{newer.pk} \\(Reprocess a bank batch\\) is already awaiting approval"):
        task_run_resume(run_id=first.pk, user=staff["ops"])
    first.refresh_from_db()
    assert first.status == TaskRun.Status.FAILED
    task_run_decline(run_id=newer.pk, approver=staff["lead"], comment="Resume the first one instead")
    assert task_run_resume(run_id=first.pk, user=staff["ops"]).status == TaskRun.Status.QUEUED


def test_one_change_to_an_item_at_a_time_across_its_tasks(staff):
    item = make_item(state=ItemState.PAYMENT_REQUIRED, seller_fee_amount=0)
    large_fee = make_item_fee(item=item, amount=25_000)  # above the fee removal's approval threshold
    Item.objects.filter(pk=item.pk).update(seller_fee_amount=large_fee.amount)
    fee_removal = task_run_request(slug="remove-seller-fee", target_id=item.pk, raw_params={"item_fee": large_fee.pk},
                                   reason="Goodwill", origin=Origin(user=staff["ops"], source="web"))
    assert fee_removal.status == TaskRun.Status.AWAITING_APPROVAL
    cancel = task_run_request(slug="cancel-item", target_id=item.pk, raw_params={}, reason="Duplicate item",
                              origin=Origin(user=staff["ops"], source="web"))
    assert (cancel.status, cancel.blocked_by_id) == (TaskRun.Status.REJECTED, fee_removal.pk)
    assert cancel.outcome.startswith(f"Run #{fee_removal.pk} (Remove a seller fee from an item) is already "
                                     "awaiting approval on this item")
    item.refresh_from_db()
    assert item.state == ItemState.PAYMENT_REQUIRED
    task_run_decline(run_id=fee_removal.pk, approver=staff["lead"], comment="No goodwill on this one")
    cancel = task_run_request(slug="cancel-item", target_id=item.pk, raw_params={}, reason="Duplicate item",
                              origin=Origin(user=staff["ops"], source="web"))
    assert cancel.status == TaskRun.Status.SUCCEEDED, cancel.outcome


@pytest.mark.parametrize("slug", sorted(TASK_EXAMPLES))
def test_every_task_refuses_a_second_run_while_one_is_executing_on_the_object(slug, staff):
    """The first run is held on the object's row lock, mid-execution (or waits for approval);
    the second, asked for meanwhile, is refused and names it; the first then applies once."""
    task, example = registry.get(slug), TASK_EXAMPLES[slug]
    target = example.make_target()
    ask = lambda: task_run_request(slug=slug, target_id=target.pk, raw_params=example.good_params(target),  # noqa: E731
                                   reason="Customer asked by phone", origin=Origin(user=staff["root"], source="web"))
    with row_locked_elsewhere(type(target), target.pk, no_key=True):  # as the first run itself would hold it
        first = started_in_threads(ask)
        wait_until(TaskRun.objects.filter(status__in=(TaskRun.Status.RUNNING, TaskRun.Status.AWAITING_APPROVAL)).exists,
                   what="the first run starting")
        [second] = awaited(*started_in_threads(ask))
    [first_run] = awaited(*first)
    first_run.refresh_from_db()
    assert (second.status, second.blocked_by_id) == (TaskRun.Status.REJECTED, first_run.pk), second.outcome
    expected = TaskRun.Status.AWAITING_APPROVAL if task.risk == Risk.HIGH else TaskRun.Status.SUCCEEDED
    assert first_run.status == expected, first_run.outcome


def test_the_task_page_names_the_run_in_progress_and_links_to_it(staff, client_as, reprocess_needs_approval):
    batch = make_failed_batch(entries=5)
    waiting = reprocess(staff["lead"], batch)()
    page = task_page_url(slug="reprocess-batch", target_id=batch.pk)
    refused = client_as("ops").post(page, {"step": "confirm", "confirm_reference": batch.reference,
                                           "reason": "Bank rejected the file", "ticket_reference": "",
                                           "idempotency_key": "second"})
    content = refused.content.decode()
    assert refused.context["step"] == "preview"
    assert f"Run #{waiting.pk} (Reprocess a bank batch) is already awaiting approval on this batch" in content
    assert f'href="{run_page_url(waiting)}"' in content and f'data-run-in-progress="{waiting.pk}"' in content
    refusal = TaskRun.objects.get(idempotency_key="second")
    assert (refusal.status, refusal.blocked_by) == (TaskRun.Status.REJECTED, waiting)
    assert f'href="{run_page_url(waiting)}"' in client_as("lead").get(run_page_url(refusal)).content.decode()
