"""No page reads a large table without an index: every statement of every list and detail page of
payment data, and of the global search, is planned with sequential scans priced out, so a
`Seq Scan` left on a table that holds millions of rows at payments scale is one that no index can
serve, and would read the whole table on every view.
"""

import pytest
from django.apps import apps
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.db import connection
from django.urls import reverse

from tests.admin_models import registered_models
from tests.factories import make_payments_world

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")

PAYMENTS_APPS = {"accounts", "payments", "batches"}
# Tables of a million rows or more at the benchmark's default size (bench/README.md).
LARGE_TABLES = (
    "accounts_customer", "accounts_bankaccount", "accounts_cardaccount", "payments_item", "payments_itemstatechange",
    "payments_itemfee", "payments_charge", "payments_transaction", "payments_disbursement", "payments_callback",
    "payments_callbackdelivery", "batches_batchentry", "apilog_apirequest",
)
SEARCHES = ("42", "someone@example.com", "smith.12", "4242", "D-000123")


def plan_without_sequential_scans(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


def page_urls(world) -> list[str]:
    urls = []
    for model in registered_models():
        if model._meta.app_label not in PAYMENTS_APPS:
            continue
        urls.append(reverse(admin_urlname(model._meta, "changelist")))
        urls += [reverse(admin_urlname(model._meta, "change"), args=[obj.pk]) for obj in world.detail_objects(model)]
    urls += [f"{reverse('console-search')}?q={term}" for term in SEARCHES]
    return urls


@pytest.fixture(scope="module")
def statements(module_clients) -> list[tuple[str, str, tuple]]:
    """(page, sql, params) of every SELECT the lead's pages run."""
    world = make_payments_world(3)
    client = module_clients["lead"]
    captured_statements = []
    for url in page_urls(world):
        client.get(url)  # per-process caches first
        with connection.execute_wrapper(lambda execute, sql, params, many, context: (
                captured_statements.append((url, sql, params)), execute(sql, params, many, context))[1]):
            assert client.get(url).status_code in (200, 302), url
    return [(url, sql, params) for url, sql, params in captured_statements
            if sql.lstrip(" (").upper().startswith("SELECT")]


def test_every_page_reads_large_tables_through_an_index(statements, db):
    assert apps.is_installed("apilog")
    read_large_tables = set()
    scans = []
    for url, sql, params in statements:
        plan = plan_without_sequential_scans(sql, params)
        read_large_tables.update(table for table in LARGE_TABLES if f'"{table}"' in sql)
        scans += [f"{url}: {line.strip()}\n  {sql[:300]}" for line in plan.splitlines()
                  if "Seq Scan" in line and any(f" {table} " in f"{line} " for table in LARGE_TABLES)]
    assert scans == []
    # The check covered the tables it is about.
    assert {"accounts_customer", "payments_item", "payments_transaction", "batches_batchentry"} <= read_large_tables
