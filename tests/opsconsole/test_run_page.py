"""A run's page (TaskRunAdmin) reads in the order people ask about a run: what ran, on what (linked),
asked by whom (by name) and why, what came of it, what it changed and how far it got; the machinery
behind it (where the request came from, the raw parameters, the idempotency key, the checkpoint,
the heartbeat, the attempts) is under a "Details" disclosure, closed until opened."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.ops.change_email import ChangeCustomerEmail
from opsconsole.admin import RUN_DETAILS_HEADING
from opsconsole.models import TaskRun
from tests.conftest import sign_in_verified
from tests.factories import make_batch, make_customer
from tests.opsconsole.test_detail_page import DetailsReader, read_details

IP_ADDRESS, USER_AGENT = "10.9.8.7", "Mozilla/5.0 (run page test)"
IDEMPOTENCY_KEY = "run-page-key-1"


def read_run_page(client: Client, run: TaskRun) -> tuple[DetailsReader, str]:
    response = client.get(reverse("admin:opsconsole_taskrun_change", args=[run.pk]))
    return read_details(response), response.content.decode()


def shown(page: DetailsReader, label: str) -> tuple[str, bool]:
    """The value shown under `label`, and whether it is inside a <details>."""
    found = [(value, disclosed) for (shown_label, value, _), disclosed in zip(page.fields, page.disclosed)
             if shown_label == label]
    assert len(found) == 1, f"{label!r} is shown {len(found)} times among {[field[0] for field in page.fields]}"
    return found[0]


@pytest.fixture
def named_staff(staff):
    staff["ops"].first_name, staff["ops"].last_name = "Priya", "Nair"
    staff["ops"].save()
    return staff


@pytest.fixture
def email_run(named_staff) -> TaskRun:
    """Ops changed a customer's email from the task page, from a known address and browser."""
    customer = make_customer(email="old.box@example.com")
    client = sign_in_verified(Client(REMOTE_ADDR=IP_ADDRESS, HTTP_USER_AGENT=USER_AGENT), named_staff["ops"])
    task_url = reverse("task-page", kwargs={"slug": ChangeCustomerEmail.slug, "target_id": customer.pk})
    response = client.post(task_url, {"step": "confirm", "new_email": "new.box@example.com",
                                      "reason": "Customer lost the old mailbox", "ticket_reference": "SUP-77",
                                      "idempotency_key": IDEMPOTENCY_KEY})
    assert response.status_code == 302
    run = TaskRun.objects.get(idempotency_key=IDEMPOTENCY_KEY)
    assert run.status == TaskRun.Status.SUCCEEDED
    return run


def test_what_a_person_needs_comes_first_and_the_internals_sit_in_a_closed_details(client_as, email_run):
    page, html = read_run_page(client_as("lead"), email_run)

    essentials = {"Status": "Succeeded", "Task": ChangeCustomerEmail.title, "Target": email_run.target_repr,
                  "Requested by": "Priya Nair", "Reason": "Customer lost the old mailbox",
                  "Ticket reference": "SUP-77", "Outcome": email_run.outcome}
    for label, expected in essentials.items():
        assert shown(page, label) == (expected, False), label
    changes, changes_hidden = shown(page, "Changes")
    assert not changes_hidden and "old.box@example.com" in changes and "new.box@example.com" in changes
    target_url = reverse("admin:accounts_customer_change", args=[email_run.target_id])
    before_details = html[:html.index("<details")]
    assert f'href="{target_url}"' in before_details

    internals = {"IP address": IP_ADDRESS, "User agent": USER_AGENT, "Idempotency key": IDEMPOTENCY_KEY,
                 "Task slug": ChangeCustomerEmail.slug}
    for label, expected in internals.items():
        assert shown(page, label) == (expected, True), label
    for label in ("Parameters", "Checkpoint", "Last heartbeat", "Attempts", "Chunks committed", "Tally"):
        assert shown(page, label)[1], f"{label} is not inside the details"
    assert "new_email" in shown(page, "Parameters")[0]

    assert len(page.disclosures) == 1 and "open" not in page.disclosures[0]
    summary = html[html.index("<details"):html.index("</summary>")]
    assert RUN_DETAILS_HEADING in summary
    assert IDEMPOTENCY_KEY not in before_details and USER_AGENT not in before_details


def test_a_background_run_shows_its_progress_before_the_details(client_as, named_staff):
    batch = make_batch()
    run = TaskRun.objects.create(
        task_slug="reprocess-batch", task_title="Reprocess a batch", target_id=str(batch.pk), target_repr=str(batch),
        requested_by=named_staff["ops"], source=TaskRun.Source.WEB, status=TaskRun.Status.RUNNING,
        reason="Bank asked for it again", progress_done=40, progress_total=160, checkpoint={"after": 40},
        heartbeat_at=timezone.now(), attempts=1)

    page, html = read_run_page(client_as("lead"), run)

    before_details = html[:html.index("<details")]
    assert "40 of 160" in before_details
    assert 'style="width: 25%"' in before_details  # the bar
    assert shown(page, "Progress") == ("40 of 160", False)
    assert shown(page, "Checkpoint")[1] and shown(page, "Last heartbeat")[1] and shown(page, "Attempts") == ("1", True)


def test_an_approved_run_names_its_approver_before_the_details(client_as, named_staff):
    named_staff["lead"].first_name, named_staff["lead"].last_name = "Tomás", "Reyes"
    named_staff["lead"].save()
    customer = make_customer()
    run = TaskRun.objects.create(
        task_slug=ChangeCustomerEmail.slug, task_title=ChangeCustomerEmail.title, target_id=str(customer.pk),
        target_repr=str(customer), requested_by=named_staff["ops"], source=TaskRun.Source.WEB,
        status=TaskRun.Status.SUCCEEDED, reason="Typo in the address", approver=named_staff["lead"],
        decided_at=timezone.now(), approval_comment="Checked with the customer")

    page, _ = read_run_page(client_as("auditor"), run)

    assert shown(page, "Approver") == ("Tomás Reyes", False)
    assert shown(page, "Approval comment") == ("Checked with the customer", False)
