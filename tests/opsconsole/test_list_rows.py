"""The rows of a large list (opsconsole/templatetags/large_lists.py) are the markup unfold's own
`items_for_result` draws for them, cell for cell, on every list read a page at a time."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse
from unfold.templatetags.unfold_list import items_for_result, result_headers

from audit.models import AuditEvent
from audit.recording import record_event
from opsconsole.keyset_pagination import KeysetListMixin
from opsconsole.templatetags.large_lists import RowDrawer

LARGE_LISTS = sorted(
    (f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
     for model, model_admin in admin.site._registry.items() if isinstance(model_admin, KeysetListMixin)),
)


@pytest.fixture
def some_of_everything(payments_world, staff):
    """Rows on every list, some with empty columns (a hold not released, an unpaid disbursement)."""
    record_event(AuditEvent.Action.LOGIN_FAILED, outcome=AuditEvent.Outcome.FAILURE, actor_name="mallory",
                 ip_address="203.0.113.9")
    record_event(AuditEvent.Action.TASK_REQUESTED, actor=staff["lead"], target=payments_world.item,
                 high_risk=True, summary="Refund <b>requested</b> & approved")
    return payments_world


def markup(cells: str) -> str:
    # unfold leaves a space before the closing `>` of a link when it is no popup's: not a difference.
    # Ours adds a moment's UTC on hover (`<time title=…>`): compared here without it.
    cells = re.sub(r'<time title="[^"]*">(.*?)</time>', r"\1", cells)
    return re.sub(r"\s+>", ">", cells)


@pytest.mark.parametrize("person", ["lead", "engineer", "auditor"])
def test_each_row_is_the_markup_unfold_draws(client_as, some_of_everything, person):
    client = client_as(person)
    rows_compared = 0
    for changelist in LARGE_LISTS:
        response = client.get(reverse(changelist))
        if response.status_code == 403:
            continue  # not theirs to view
        cl = response.context["cl"]
        drawer = RowDrawer(cl, list(result_headers(cl)))
        for result in cl.result_list:
            ours, unfolds = "".join(drawer.cells(result)), "".join(items_for_result(cl, result, None))
            assert markup(ours) == markup(unfolds), (changelist, result.pk)
            rows_compared += 1
    assert rows_compared > 10


def test_the_rows_are_on_the_page(client_as, some_of_everything):
    response = client_as("lead").get(reverse("admin:payments_item_changelist"))
    page = response.content.decode()
    cl = response.context["cl"]
    assert cl.result_list
    for result in cl.result_list:
        assert f'href="{reverse("admin:payments_item_change", args=[result.pk])}' in page


def test_a_first_column_that_is_a_link_is_labelled_by_its_header(client_as, some_of_everything):
    """On a narrow screen each cell is labelled by its column (`data-label`): the link to the
    record by its own column's name, not "Select record", which belongs to the checkbox."""
    response = client_as("auditor").get(reverse("admin:audit_auditevent_changelist"))
    page = response.content.decode()
    assert re.search(r'<th class="field-when[^"]*" data-label="when"><a href=', page), page
