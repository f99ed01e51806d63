"""Every list and detail page stays within the query budget of a payments-scale console: at most
ten SQL statements, the same number for a small world as for a grown one, and no COUNT on any
list page (lists show an estimate, never a count).

Pages are opened as the ops lead, the role the benchmark uses: a real person's permission and
platform checks are part of what each page costs. Statements are counted as the database runs
them; the savepoints around the session's save are transaction control, not queries.
"""

from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from batches.models import Batch, BatchEntry
from payments.models import Disbursement, Item, ItemState
from tests.admin_models import registered_models
from tests.factories import (
    make_batch,
    make_batch_entry,
    make_charge,
    make_disbursement,
    make_item,
    make_item_state_change,
    make_payments_world,
)

SMALL, LARGE = 2, 12
QUERY_BUDGET = 10
PAYMENTS_APPS = {"accounts", "payments", "batches"}
LIST_MODELS = sorted(
    model._meta.label_lower for model in registered_models() if model._meta.app_label in PAYMENTS_APPS
)
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


def statements(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if not query["sql"].startswith(TRANSACTION_CONTROL)]


@dataclass
class Page:
    label: str
    kind: str  # "list" or "detail"
    url: str
    status: dict[int, int]
    queries: dict[int, list[str]]


def completed_item_whose_payout_came_back(world) -> Item:
    """A completed item whose payout the seller's bank returned: the page whose answer reads the
    most (the payout, its batch entry and return code, its retry, the seller's holds and accounts)."""
    item = make_item(buyer=world.buyer, seller=world.seller, state=ItemState.COMPLETED)
    make_item_state_change(item=item)
    make_charge(item=item)
    payout = make_disbursement(item=item, status=Disbursement.Status.RETURNED)
    make_batch_entry(batch=make_batch(status=Batch.Status.SETTLED), disbursement=payout,
                     status=BatchEntry.Status.RETURNED, return_code="9")
    return item


@pytest.fixture(scope="module")
def pages(module_clients) -> list[Page]:
    client = module_clients["lead"]
    world = make_payments_world(SMALL)
    measured = []
    for label in LIST_MODELS:
        model = apps.get_model(label)
        measured.append(Page(label, "list", reverse(admin_urlname(model._meta, "changelist")), {}, {}))
        for obj in world.detail_objects(model):
            measured.append(Page(label, "detail", reverse(admin_urlname(model._meta, "change"), args=[obj.pk]), {}, {}))
    completed = completed_item_whose_payout_came_back(world)
    measured.append(Page("payments.item", "detail", reverse("admin:payments_item_change", args=[completed.pk]), {}, {}))
    for page in measured:
        client.get(page.url)  # per-process caches first
    for size in (SMALL, LARGE):
        make_payments_world(size, world=world)
        for page in measured:
            with CaptureQueriesContext(connection) as captured:
                page.status[size] = client.get(page.url).status_code
            page.queries[size] = statements(captured)
    return measured


def test_every_page_the_lead_opens_stays_within_the_budget_at_both_sizes(pages, db):
    opened = [page for page in pages if page.status[SMALL] == 200]
    assert {page.label for page in opened if page.kind == "list"} == set(LIST_MODELS)
    # Off PostgreSQL the reads a page combines into one statement (opsconsole/union_reads.py)
    # run one by one: their number still must not grow, but the budget is PostgreSQL's.
    budget = QUERY_BUDGET if connection.vendor == "postgresql" else float("inf")
    problems = []
    for page in opened:
        small, large = page.queries[SMALL], page.queries[LARGE]
        if len(large) != len(small) or len(large) > budget:
            problems.append(f"{page.kind} {page.url}: {len(small)} then {len(large)} statements\n  "
                            + "\n  ".join(sql[:200] for sql in large))
    assert problems == []


def test_no_list_page_counts_its_rows(pages, db):
    counting = [(page.url, sql) for page in pages if page.kind == "list"
                for sql in page.queries[LARGE] if "COUNT(" in sql.upper()]
    assert counting == []


def test_no_related_table_counts_its_rows(pages, db):
    # Related tables show a page of rows and whether there are more, read with one row more than shown.
    counting = [(page.url, sql) for page in pages if page.kind == "detail"
                for sql in page.queries[LARGE] if "COUNT(*)" in sql.upper()]
    assert counting == []
