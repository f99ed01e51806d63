"""Changing a customer's email while something else changes it too: one run at a time, and the
diff a run records is what it replaced, worked out under the customer's lock when it ran."""

import pytest
from django.db import connection, transaction

from accounts.models import Customer
from opsconsole.admin_urls import run_page_url
from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_request
from tests.concurrency import awaited, racing_in_threads, started_in_threads, wait_until
from tests.conftest import require_service
from tests.factories import make_customer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def on_postgresql():
    require_service("PostgreSQL (sessions wait on each other's locks)", connection.vendor == "postgresql")


def change_email(user, customer, new_email):
    return lambda: task_run_request(slug="change-email", target_id=customer.pk, raw_params={"new_email": new_email},
                                    reason="Customer lost the old mailbox", origin=Origin(user=user, source="web"))


def emails_in_history(customer) -> list[str]:
    return list(Customer.history.filter(id=customer.pk).order_by("history_id").values_list("email", flat=True))


def test_two_people_changing_one_email_at_once_get_one_change_and_a_refusal(staff):
    customer = make_customer(email="start@example.com")
    for attempt in range(3):
        before = Customer.objects.get(pk=customer.pk).email
        runs = racing_in_threads(change_email(staff["ops"], customer, f"ops{attempt}@example.com"),
                                 change_email(staff["lead"], customer, f"lead{attempt}@example.com"))
        for run in runs:
            run.refresh_from_db()
        [applied] = [run for run in runs if run.status == TaskRun.Status.SUCCEEDED]
        [refused] = [run for run in runs if run.status == TaskRun.Status.REJECTED]
        assert refused.blocked_by == applied
        assert applied.diff == [{"record": applied.diff[0]["record"], "field": "email", "before": before,
                                 "after": applied.params["new_email"]}]
        assert Customer.objects.get(pk=customer.pk).email == applied.params["new_email"]


def test_a_run_records_the_email_it_replaced_when_the_record_moved_after_the_preview(staff, client_as):
    """The run waits for the customer's row while the platform itself writes a new email: the
    run's diff is what it replaced, and its page shows the preview the person confirmed too."""
    customer = make_customer(email="confirmed@example.com")
    with transaction.atomic():
        Customer.objects.select_for_update().get(pk=customer.pk)
        running = started_in_threads(change_email(staff["ops"], customer, "requested@example.com"))
        wait_until(TaskRun.objects.filter(status=TaskRun.Status.RUNNING).exists, what="the run starting")
        Customer.objects.filter(pk=customer.pk).update(email="platform@example.com")
    [run] = awaited(*running)
    run.refresh_from_db()
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert [(change["before"], change["after"]) for change in run.previewed_diff] == [
        ("confirmed@example.com", "requested@example.com")]
    assert [(change["before"], change["after"]) for change in run.diff] == [
        ("platform@example.com", "requested@example.com")]
    assert run.outcome == "Email changed from platform@example.com to requested@example.com."
    page = client_as("ops").get(run_page_url(run)).content.decode()
    assert "data-previewed-diff" in page
    assert page.index("platform@example.com") < page.index("confirmed@example.com")


def test_a_run_whose_record_did_not_move_shows_one_diff(staff, client_as):
    customer = make_customer(email="confirmed@example.com")
    run = change_email(staff["ops"], customer, "requested@example.com")()
    assert run.diff == run.previewed_diff and not run.preview_differs
    page = client_as("ops").get(run_page_url(run)).content.decode()
    assert "data-previewed-diff" not in page
