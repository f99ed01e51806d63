"""The tasks in an object's page header (opsconsole/tasking/admin.py, task_menu.html): each task the
person may run leads to its page, and one that cannot apply to the object is shown disabled with the
task's own reason (`OpsTask.validate_target`), the words a run of it on that object is refused with."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opsconsole.admin_urls import task_page_url
from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_request
from payments.models import ItemState
from tests.factories import make_item, make_item_fee
from tests.test_page_query_budget import QUERY_BUDGET, statements


class TaskMenuReader(HTMLParser):
    """The header's task entries by slug: (the link, or None for a disabled one; its reason)."""

    def __init__(self):
        super().__init__()
        self.entries: dict[str, tuple[str | None, str]] = {}
        self._refusal_of: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-task" in attrs and "task-menu-item" in (attrs.get("class") or ""):
            disabled = attrs.get("aria-disabled") == "true"
            self.entries[attrs["data-task"]] = (None if disabled else attrs.get("href"), "")
        elif "data-task-refusal" in attrs:
            self._refusal_of, self._text = attrs["id"].removeprefix("task-refusal-"), []

    def handle_endtag(self, tag):
        if self._refusal_of and tag == "span":
            link, _ = self.entries[self._refusal_of]
            self.entries[self._refusal_of] = (link, " ".join("".join(self._text).split()))
            self._refusal_of = None

    def handle_data(self, data):
        if self._refusal_of:
            self._text.append(data)


def task_menu(client, item) -> dict[str, tuple[str | None, str]]:
    response = client.get(reverse("admin:payments_item_change", args=[item.pk]))
    assert response.status_code == 200
    reader = TaskMenuReader()
    reader.feed(response.content.decode())
    return reader.entries


def refusal_of_a_run(person, slug: str, item, params=None) -> str:
    run = task_run_request(slug=slug, target_id=item.pk, raw_params=params or {}, reason="Checking the page",
                           origin=Origin(user=person, source="web"))
    assert run.status == TaskRun.Status.REJECTED
    return run.outcome


def item_with_seller_fee(**item_fields):
    item = make_item(**item_fields)
    return item, make_item_fee(item=item)


def test_a_task_that_cannot_apply_is_disabled_with_the_words_a_run_is_refused_with(client_as, staff):
    cancelled = make_item(state=ItemState.CANCELLED, external_id="bzr-itm-0417")
    menu = task_menu(client_as("ops"), cancelled)
    link, reason = menu["cancel-item"]
    assert link is None
    assert reason == refusal_of_a_run(staff["ops"], "cancel-item", cancelled)
    assert reason.startswith("Item bzr-itm-0417 is cancelled: only an item not yet paid for can be cancelled")
    assert task_page_url(slug="cancel-item", target_id=cancelled.pk) not in client_as("ops").get(
        reverse("admin:payments_item_change", args=[cancelled.pk])).content.decode()


def test_a_task_that_applies_leads_to_its_page(client_as):
    unpaid = make_item(state=ItemState.PAYMENT_REQUIRED)
    menu = task_menu(client_as("ops"), unpaid)
    assert menu["cancel-item"] == (task_page_url(slug="cancel-item", target_id=unpaid.pk), "")
    link, reason = menu["release-risk-hold"]
    assert link is None and reason.endswith("not held for review.")


@pytest.mark.parametrize("state", [ItemState.COMPLETED, ItemState.REFUNDED, ItemState.CANCELLED])
def test_removing_a_seller_fee_from_a_closed_item_is_disabled_with_its_reason(client_as, staff, state):
    item, item_fee = item_with_seller_fee(state=state)
    link, reason = task_menu(client_as("ops"), item)["remove-seller-fee"]
    assert link is None and reason.endswith("its fees can no longer change.")
    assert reason == refusal_of_a_run(staff["ops"], "remove-seller-fee", item, {"item_fee": str(item_fee.pk)})


def test_removing_a_seller_fee_from_an_open_item_is_offered(client_as):
    """Whether it has been paid out and which fees it still charges are read on the task's page,
    not on every view of the item's."""
    item, _ = item_with_seller_fee(state=ItemState.PAYMENT_DEPOSITED)
    assert task_menu(client_as("ops"), item)["remove-seller-fee"] == (
        task_page_url(slug="remove-seller-fee", target_id=item.pk), "")


def test_tasks_the_person_may_not_run_are_not_shown(client_as):
    item = make_item(state=ItemState.PAYMENT_REQUIRED)
    assert task_menu(client_as("auditor"), item) == {}
    assert set(task_menu(client_as("lead"), item)) == {"cancel-item", "release-risk-hold", "remove-seller-fee"}


@pytest.mark.parametrize("state", [ItemState.PAYMENT_REQUIRED, ItemState.PAYMENT_PENDING, ItemState.PAYMENT_HELD,
                                   ItemState.PAYMENT_DEPOSITED, ItemState.WORK_COMPLETED])
def test_an_item_page_weighing_every_task_stays_within_the_query_budget(client_as, state):
    """The tasks are weighed on what the page has read already: an item's page stays within the
    budget of every page of payment data (tests/test_page_query_budget.py)."""
    item, _ = item_with_seller_fee(state=state)
    client = client_as("lead")
    url = reverse("admin:payments_item_change", args=[item.pk])
    client.get(url)  # per-process caches first
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    if connection.vendor == "postgresql":  # elsewhere the combined reads run one by one
        assert len(statements(captured)) <= QUERY_BUDGET
