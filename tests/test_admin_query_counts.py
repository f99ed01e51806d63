"""Admin pages run a fixed number of SQL queries, however many rows the tables and the related
tables below a detail page hold.

Every list page and detail page is opened, as `root`, with a small world
(`make_payments_world(2)`) and again after growing it to twelve of everything, with more related
rows on the same detail objects. A query per row (a missing `list_select_related`,
`detail_select_related` or a related table's `select_related`, or a `__str__` that follows a
relation) shows as a difference between the two counts.
"""

from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.admin_models import registered_models
from tests.factories import make_payments_world

SMALL, LARGE = 2, 12
ADMIN_APPS = {"accounts", "payments", "batches", "auth"}
ADMIN_MODELS = sorted(
    model._meta.label_lower for model in registered_models() if model._meta.app_label in ADMIN_APPS
)


@dataclass
class Measurement:
    url: str
    status: dict[int, int]  # world size → HTTP status
    queries: dict[int, list[str]]  # world size → the SQL run


def measure(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, [query["sql"] for query in captured.captured_queries]


@pytest.fixture(scope="module")
def measurements(module_clients) -> dict[tuple[str, str], Measurement]:
    """(model label, page) → the page's queries in the small and in the grown world.

    Made once for the module: building the worlds and rendering every page three times is the
    expensive part, comparing the counts is not."""
    client = module_clients["root"]
    world = make_payments_world(SMALL)
    pages = {}
    for label in ADMIN_MODELS:
        model = apps.get_model(label)
        pages[label, "list"] = Measurement(reverse(admin_urlname(model._meta, "changelist")), {}, {})
        for obj in world.detail_objects(model):
            url = reverse(admin_urlname(model._meta, "change"), args=[obj.pk])
            pages[label, f"detail of {obj}"] = Measurement(url, {}, {})
    for page in pages.values():
        client.get(page.url)  # fill the per-process caches (content types and the like) first
    for size in (SMALL, LARGE):
        make_payments_world(size, world=world)
        for page in pages.values():
            page.status[size], page.queries[size] = measure(client, page.url)
    return pages


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_the_list_and_detail_pages_run_as_many_queries_for_many_rows_as_for_few(label, measurements, db):
    for (page_label, page_name), page in measurements.items():
        if page_label != label:
            continue
        assert page.status == {SMALL: 200, LARGE: 200}, f"{label} {page_name} {page.url}"
        small, large = page.queries[SMALL], page.queries[LARGE]
        assert len(large) == len(small), "\n".join(
            [f"{label} {page_name} ({page.url}): {len(small)} queries with {SMALL} of everything,"
             f" {len(large)} with {LARGE}. With {LARGE}:"]
            + [f"  {sql[:300]}" for sql in large]
        )


def test_the_large_world_has_more_rows_on_every_page_measured(db):
    """The comparison means something only if the lists and every related table really grew."""
    world = make_payments_world(SMALL)
    small_counts = {label: apps.get_model(label).objects.count() for label in ADMIN_MODELS}

    def related_rows():
        return {
            "seller payout holds": world.seller.payout_holds.count(),
            "seller bank accounts": world.seller.bank_accounts.count(),
            "seller cards": world.seller.card_accounts.count(),
            "items sold": world.seller.items_sold.count(),
            "items bought": world.buyer.items_bought.count(),
            "seller disbursements": world.seller.disbursements.count(),
            "item state changes": world.item.state_changes.count(),
            "item fees": world.item.item_fees.count(),
            "item charges": world.item.charges.count(),
            "item disbursements": world.item.disbursements.count(),
            "item ledger lines": world.item.transactions.count(),
            "charge batch entries": world.charge.batch_entries.count(),
            "charge ledger lines": world.charge.transactions.count(),
            "disbursement batch entries": world.disbursement.batch_entries.count(),
            "disbursement ledger lines": world.disbursement.transactions.count(),
            "callback deliveries": world.callback.deliveries.count(),
            "batch entries": world.batch.entries.count(),
        }

    small_related_rows = related_rows()
    assert min(small_related_rows.values()) >= 1, small_related_rows

    make_payments_world(LARGE, world=world)
    grown = {label for label in ADMIN_MODELS if apps.get_model(label).objects.count() > small_counts[label]}
    assert set(ADMIN_MODELS) - grown == {"auth.group"}  # the five roles, made by migrations
    # More than a related table's page of ten, so pagination is measured too.
    assert {name: rows for name, rows in related_rows().items() if rows <= 10} == {}
