"""Four-eyes: a run that needs approval waits for a different person with approval rights."""

import pytest
from django.test import TestCase

from accounts.ops.change_email import ChangeCustomerEmail
from batches.models import BatchEntry
from batches.ops import reprocess_batch
from opsconsole.errors import OpsError
from opsconsole.models import StaffPlatformAccess, TaskRun
from opsconsole.tasking.services import (
    APPROVER_MAY_NO_LONGER_APPROVE,
    NO_SELF_APPROVAL,
    REQUESTER_MAY_NO_LONGER_RUN,
    REQUESTER_MAY_NO_LONGER_SEE,
    Origin,
    task_run_approve,
    task_run_decline,
    task_run_request,
)
from tests.batches.large_batches import make_failed_batch
from tests.factories import make_customer, make_platform


@pytest.fixture
def needs_approval(monkeypatch):
    monkeypatch.setattr(ChangeCustomerEmail, "requires_approval", lambda self, target, params: True)


@pytest.fixture
def waiting_run(staff, needs_approval):
    customer = make_customer(email="before@example.com")
    run = task_run_request(
        slug="change-email", target_id=customer.pk, raw_params={"new_email": "after@example.com"},
        reason="Buyer lost access to the old mailbox", origin=Origin(user=staff["ops"], source=TaskRun.Source.WEB),
    )
    return run, customer


def test_the_run_waits_and_changes_nothing_before_approval(waiting_run):
    run, customer = waiting_run
    customer.refresh_from_db()
    assert run.status == TaskRun.Status.AWAITING_APPROVAL
    assert customer.email == "before@example.com"
    assert run.diff == [{"record": str(customer), "field": "email", "before": "before@example.com",
                         "after": "after@example.com"}]


def test_a_lead_approves_and_it_executes_as_the_requester(waiting_run, staff):
    run, customer = waiting_run
    run = task_run_approve(run_id=run.pk, approver=staff["lead"], comment="Checked ID on the call")
    customer.refresh_from_db()
    assert run.status == TaskRun.Status.SUCCEEDED
    assert customer.email == "after@example.com"
    assert (run.approver, run.approval_comment) == (staff["lead"], "Checked ID on the call")
    assert customer.history.latest().history_user == staff["ops"]


def test_nobody_approves_their_own_request(staff, needs_approval):
    customer = make_customer()
    run = task_run_request(
        slug="change-email", target_id=customer.pk, raw_params={"new_email": "own@example.com"},
        reason="testing self approval", origin=Origin(user=staff["lead"], source=TaskRun.Source.WEB),
    )
    with pytest.raises(OpsError, match=NO_SELF_APPROVAL):
        task_run_approve(run_id=run.pk, approver=staff["lead"])
    run.refresh_from_db()
    assert run.status == TaskRun.Status.AWAITING_APPROVAL


def test_approval_needs_approval_rights(waiting_run, staff):
    run, customer = waiting_run
    with pytest.raises(OpsError, match="permission to approve"):
        task_run_approve(run_id=run.pk, approver=staff["engineer"])
    customer.refresh_from_db()
    assert customer.email == "before@example.com"


def test_a_declined_request_never_executes(waiting_run, staff):
    run, customer = waiting_run
    with pytest.raises(OpsError, match="Say why"):
        task_run_decline(run_id=run.pk, approver=staff["lead"], comment=" ")
    run = task_run_decline(run_id=run.pk, approver=staff["lead"], comment="Not verified")
    assert run.status == TaskRun.Status.DECLINED
    with pytest.raises(OpsError, match="not awaiting approval"):
        task_run_approve(run_id=run.pk, approver=staff["root"])
    customer.refresh_from_db()
    assert customer.email == "before@example.com"


def test_an_approval_does_not_run_a_request_whose_requester_has_lost_the_task(waiting_run, staff):
    run, customer = waiting_run
    staff["ops"].groups.clear()  # moved to another team while the request waited
    run = task_run_approve(run_id=run.pk, approver=staff["lead"], comment="Looks fine")
    customer.refresh_from_db()
    assert run.status == TaskRun.Status.REJECTED
    assert run.outcome == REQUESTER_MAY_NO_LONGER_RUN.format(person="ops", title="Change a customer's email")
    assert customer.email == "before@example.com"


def test_an_approval_does_not_run_a_request_on_a_platform_its_requester_may_no_longer_see(waiting_run, staff):
    run, customer = waiting_run
    StaffPlatformAccess.objects.create(user=staff["ops"]).platforms.set([make_platform()])
    run = task_run_approve(run_id=run.pk, approver=staff["lead"], comment="Looks fine")
    customer.refresh_from_db()
    assert run.status == TaskRun.Status.REJECTED
    assert run.outcome == REQUESTER_MAY_NO_LONGER_SEE.format(person="ops", kind="customer")
    assert customer.email == "before@example.com"


def test_an_approved_background_run_does_not_start_once_its_approver_has_lost_approval_rights(staff, monkeypatch):
    monkeypatch.setattr(reprocess_batch, "APPROVAL_ENTRY_COUNT", 0)
    batch = make_failed_batch(entries=3)
    run = task_run_request(slug="reprocess-batch", target_id=batch.pk,
                           raw_params={"confirm_reference": batch.reference},
                           reason="Bank rejected the file", origin=Origin(user=staff["ops"], source=TaskRun.Source.WEB))
    with TestCase.captureOnCommitCallbacks() as waiting_for_a_worker:
        task_run_approve(run_id=run.pk, approver=staff["lead"], comment="Go")
    staff["lead"].groups.clear()
    for dispatch in waiting_for_a_worker:
        dispatch()
    run.refresh_from_db()
    assert run.status == TaskRun.Status.REJECTED
    assert run.outcome.startswith(APPROVER_MAY_NO_LONGER_APPROVE.format(person="lead"))
    assert not batch.entries.filter(status=BatchEntry.Status.SUBMITTED).exists()
