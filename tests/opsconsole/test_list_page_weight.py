"""A page of a hundred rows of a large list is light (at most 150 KB of HTML before compression) and
still shows every row: its values, its link, and its selection checkbox where the list has actions."""

import pytest
from django.urls import reverse

from accounts.models import Customer
from audit.models import AuditEvent
from audit.services.recording import record_event
from tests.factories import make_customer, make_disbursement, make_item, make_platform

PAGE_BUDGET_BYTES = 150 * 1024
ROWS = 100


@pytest.fixture
def hundred_of_each(db, staff):
    """A hundred items, customers, disbursements and audit events."""
    platform = make_platform()
    buyer = make_customer(platform=platform, kind=Customer.Kind.BUYER)
    seller = make_customer(platform=platform, kind=Customer.Kind.SELLER)
    items = [make_item(buyer=buyer, seller=seller) for _ in range(ROWS)]
    for _ in range(ROWS - 2):
        make_customer(platform=platform)
    for item in items:
        make_disbursement(item=item)
    for item in items:
        record_event(AuditEvent.Action.TASK_REQUESTED, actor=staff["lead"], target=item,
                     summary=f"Refund of {item.external_id} requested")


# (list, what names each row on it)
LISTS = [
    ("admin:payments_item_changelist", lambda item: item.external_id),
    ("admin:accounts_customer_changelist", lambda customer: customer.external_id),
    ("admin:payments_disbursement_changelist", lambda disbursement: disbursement.reference),
    ("admin:audit_auditevent_changelist", lambda event: event.summary),
]


@pytest.mark.parametrize(("changelist", "row_name"), LISTS)
def test_a_hundred_row_list_page_stays_within_its_budget_and_shows_every_row(
        client_as, hundred_of_each, changelist, row_name):
    response = client_as("lead").get(reverse(changelist))
    assert response.status_code == 200
    page = response.content.decode()
    cl = response.context["cl"]
    rows = list(cl.result_list)
    assert len(rows) == ROWS
    assert len(response.content) <= PAGE_BUDGET_BYTES, f"{changelist}: {len(response.content):,} bytes"
    for row in rows:
        assert row_name(row) in page, (changelist, row.pk)
        assert f'href="{cl.url_for_result(row)}"' in page, (changelist, row.pk)
    selectable = "action_checkbox" in cl.list_display
    assert page.count('name="_selected_action"') == (ROWS if selectable else 0)
    assert selectable == (changelist != "admin:audit_auditevent_changelist")

