"""Lists of payments-scale tables: read a page at a time by an indexed key (never OFFSET, never
COUNT), searched by exact keys, filtered without listing a table, and on PostgreSQL every page
read through the index meant for it."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import unfold
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertHTMLEqual

from accounts.models import Customer
from opsconsole.keyset_pagination import UNREADABLE_POSITION
from opsconsole.reference_codes import bank_return
from payments.models import Charge, ItemState, Transaction
from tests.conftest import require_service
from tests.factories import (
    make_batch_entry,
    make_card_account,
    make_charge,
    make_customer,
    make_item,
    make_platform,
    make_transaction,
)

CUSTOMERS = reverse("admin:accounts_customer_changelist")
ITEMS = reverse("admin:payments_item_changelist")
CHARGES = reverse("admin:payments_charge_changelist")
PAGE = 100
FILTER_PANEL_TEMPLATE = "unfold/helpers/change_list_filter.html"


def listed(response) -> list[int]:
    return [row.pk for row in response.context["cl"].result_list]


def follow(client, response, link: str):
    """The page a footer link (`next_url`, `previous_url`) leads to."""
    url = getattr(response.context["cl"], link)
    assert url, f"no {link} on {response.request['PATH_INFO']}?{response.request['QUERY_STRING']}"
    return client.get(f"{response.request['PATH_INFO']}{url}")


@pytest.fixture
def same_moment_customers(db):
    """250 customers created at the same instant: only the id tells them apart."""
    platform = make_platform()
    moment = timezone.now() - timedelta(days=3)
    Customer.objects.bulk_create(
        Customer(platform=platform, external_id=f"same-{number}", kind=Customer.Kind.BUYER,
                 email=f"same{number}@customers.example.com", first_name="Sam", last_name=f"Same{number}",
                 country="AU", kyc_state=Customer.KycState.APPROVED, created_at=moment)
        for number in range(250)
    )
    return list(Customer.objects.filter(platform=platform).order_by("-created_at", "-id").values_list("pk", flat=True))


def test_next_and_previous_pages_follow_each_other_without_gaps_or_repeats(client_as, same_moment_customers):
    client = client_as("lead")
    first = client.get(CUSTOMERS)
    second = follow(client, first, "next_url")
    third = follow(client, second, "next_url")
    assert listed(first) + listed(second) + listed(third) == same_moment_customers
    assert [len(listed(page)) for page in (first, second, third)] == [PAGE, PAGE, 50]
    assert third.context["cl"].next_url is None

    back_to_second = follow(client, third, "previous_url")
    back_to_first = follow(client, back_to_second, "previous_url")
    assert listed(back_to_second) == listed(second)
    assert listed(back_to_first) == listed(first)
    assert back_to_first.context["cl"].previous_url is None
    assert first.context["cl"].previous_url is None and first.context["cl"].first_url is None


def test_a_page_is_addressed_by_the_row_before_it_not_by_its_number(client_as, same_moment_customers):
    client = client_as("lead")
    next_url = client.get(CUSTOMERS).context["cl"].next_url
    assert "after=" in next_url and "p=" not in next_url
    page = client.get(f"{CUSTOMERS}{next_url}").content.decode()
    assert "data-keyset-pagination" in page and "First page" in page


def test_the_footer_gives_the_exact_number_when_the_list_fits_on_the_page(client_as, db):
    platform = make_platform()
    for _ in range(3):
        make_customer(platform=platform)
    response = client_as("lead").get(CUSTOMERS)
    assert response.context["cl"].total_description == "3 customers"
    assert response.context["cl"].next_url is None


def test_a_longer_list_gives_an_estimate_never_a_count(client_as, same_moment_customers):
    client = client_as("lead")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CUSTOMERS)
    assert [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper()] == []
    description = response.context["cl"].total_description
    if connection.vendor == "postgresql":
        assert description.startswith("about ") and description.endswith(" customers")
    else:
        assert description == "100 shown, more after"


def test_an_unreadable_position_starts_from_the_top_and_says_so(client_as, same_moment_customers):
    response = client_as("lead").get(CUSTOMERS, {"after": "not-a-position"})
    assert response.status_code == 200
    assert listed(response) == same_moment_customers[:PAGE]
    assert UNREADABLE_POSITION in [str(message) for message in response.context["messages"]]


def test_the_next_page_keeps_the_filters_and_a_new_filter_starts_from_the_top(client_as, same_moment_customers):
    client = client_as("lead")
    first = client.get(CUSTOMERS, {"kyc_state__exact": Customer.KycState.APPROVED})
    assert "kyc_state__exact=approved" in first.context["cl"].next_url
    second = follow(client, first, "next_url")
    assert listed(second) == same_moment_customers[PAGE:2 * PAGE]
    # Links that change the filters leave the position behind.
    assert "after=" not in second.context["cl"].get_query_string({"kind__exact": "buyer"})


def test_sorting_by_when_the_state_changed_reads_the_longest_waiting_first(client_as, db):
    now = timezone.now()
    waited = [make_item(state=ItemState.PAYMENT_PENDING, state_changed_at=now - timedelta(days=days))
              for days in (1, 30, 7)]
    client = client_as("lead")
    column = client.get(ITEMS).context["cl"].list_display.index("state_changed_at")
    oldest_first = client.get(ITEMS, {"state__exact": ItemState.PAYMENT_PENDING, "o": str(column)})
    assert listed(oldest_first) == [waited[1].pk, waited[2].pk, waited[0].pk]
    newest_first = client.get(ITEMS, {"state__exact": ItemState.PAYMENT_PENDING, "o": f"-{column}"})
    assert listed(newest_first) == [waited[0].pk, waited[2].pk, waited[1].pk]


def test_a_range_of_days_reads_the_list_by_that_column(client_as, db):
    now = timezone.localtime()
    inside = [make_item(state_changed_at=now - timedelta(days=days)) for days in (12, 10, 11)]
    make_item(state_changed_at=now - timedelta(days=2))
    response = client_as("lead").get(ITEMS, {
        "state_changed_at_from": (now - timedelta(days=13)).strftime("%d/%m/%Y"),
        "state_changed_at_to": (now - timedelta(days=9)).strftime("%d/%m/%Y"),
    })
    assert listed(response) == [inside[1].pk, inside[2].pk, inside[0].pk]
    assert response.context["cl"].seek_key.fields == ("-state_changed_at", "-id")


# --- Search and filters ----------------------------------------------------------------------------

def test_an_item_is_found_by_its_buyers_or_sellers_email_in_any_case(client_as, db):
    # The same person sells on one platform and buys on another.
    seller = make_customer(kind=Customer.Kind.SELLER, email="maria.rossi@ceramics.example.com")
    buyer = make_customer(kind=Customer.Kind.BUYER, email="Maria.Rossi@ceramics.example.com")
    sold, bought = make_item(seller=seller), make_item(buyer=buyer)
    make_item()
    response = client_as("lead").get(ITEMS, {"q": " MARIA.ROSSI@ceramics.example.com "})
    assert listed(response) == [bought.pk, sold.pk]


def test_a_charge_is_found_by_its_cards_last_four_or_its_items_external_id(client_as, db):
    card = make_card_account(last_four="7319")
    by_card = make_charge(item=make_item(buyer=card.customer), card_account=card)
    by_item = make_charge(item=make_item(external_id="cb-itm-5501"))
    make_charge()
    client = client_as("lead")
    assert listed(client.get(CHARGES, {"q": "7319"})) == [by_card.pk]
    assert listed(client.get(CHARGES, {"q": "cb-itm-5501"})) == [by_item.pk]
    assert listed(client.get(CHARGES, {"q": "no-such-key"})) == []


def test_a_bank_return_code_filter_offers_the_codes_without_reading_the_entries(client_as, db):
    returned = make_batch_entry(return_code="R01")
    make_batch_entry()
    with CaptureQueriesContext(connection) as queries:
        response = client_as("lead").get(reverse("admin:batches_batchentry_changelist"), {"return_code__exact": "R01"})
    assert listed(response) == [returned.pk]
    assert [query["sql"] for query in queries.captured_queries if "DISTINCT" in query["sql"].upper()] == []
    assert f"R01 {bank_return('ach', 'R01').label} (ACH)" in response.content.decode()


@pytest.mark.parametrize(("url", "query"), [
    (ITEMS, {}),
    (ITEMS, {"state__exact": ItemState.PAYMENT_PENDING, "payment_method__exact": "card"}),
    (CHARGES, {"status__exact": Charge.Status.DECLINED, "response_code__exact": "51",
               "created_at_from": "01/01/2026"}),
])
def test_a_lists_filter_panel_is_the_one_unfold_draws(client_as, db, url, query):
    """The view draws a large list's filters before the page renders; the panel is still the one
    unfold's own template draws from the same list, whatever is chosen."""
    make_charge(status=Charge.Status.DECLINED, response_code="51")
    response = client_as("lead").get(url, query)
    page = response.content.decode()
    unfolds_own = engines["django"].from_string(
        (Path(unfold.__file__).parent / "templates" / FILTER_PANEL_TEMPLATE).read_text())
    context = {name: value for name, value in response.context_data.items() if name != "drawn_filters"}
    expected = unfolds_own.render(context, response.wsgi_request)
    start = page.index('<div id="changelist-filter"')
    drawn = page[start:start + len(expected) + 2_000]
    assertHTMLEqual(drawn[:drawn.index("</form>")], expected[:expected.index("</form>")])
    assert response.context_data["drawn_filters"]


def test_a_card_response_code_filter_narrows_the_charges(client_as, db):
    declined = make_charge(status=Charge.Status.DECLINED, response_code="51")
    make_charge()
    response = client_as("lead").get(CHARGES, {"response_code__exact": "51"})
    assert listed(response) == [declined.pk]


# --- Query plans on PostgreSQL ---------------------------------------------------------------------

@pytest.fixture
def postgresql():
    require_service("PostgreSQL", connection.vendor == "postgresql")


def main_query(client, url: str, table: str) -> str:
    """The SQL that read the page's rows: the one that asks for a page and a row more."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    reads = [query["sql"] for query in queries.captured_queries
             if f'FROM "{table}"' in query["sql"] and f"LIMIT {PAGE + 1}" in query["sql"]
             and not query["sql"].startswith("EXPLAIN")]
    assert len(reads) == 1, reads
    return reads[0]


def plan_of(sql: str, *, ordered_by_index: bool = False) -> str:
    """The plan of `sql` with sequential scans priced out: one stays only where no index can
    serve the query. With `ordered_by_index`, sorting is priced out too, so that on a test
    database of a few rows, whose statistics favour sorting them, the plan shows the index that
    gives the list its order (as the planner uses it on a table of millions)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if ordered_by_index:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_sort = on")
        return plan


@pytest.fixture
def a_little_of_everything(db):
    platform = make_platform()
    buyer = make_customer(platform=platform)
    for number in range(3):
        item = make_item(buyer=buyer, state=ItemState.PAYMENT_PENDING)
        charge = make_charge(item=item)
        make_transaction(charge=charge)
        make_batch_entry(return_code="R01" if number == 0 else "")
    return buyer


LIST_PLANS = [
    # (list, query, table, the index that must read it)
    ("accounts:customer", {}, "accounts_customer", "customer_created_idx"),
    ("accounts:customer", {"kyc_state__exact": "rejected"}, "accounts_customer", "customer_kyc_created_idx"),
    ("accounts:customer", {"created_at_from": "01/01/2025", "created_at_to": "31/01/2025"}, "accounts_customer",
     "customer_created_idx"),
    ("payments:item", {}, "payments_item", "payments_item_pkey"),
    ("payments:item", {"state__exact": "payment_pending", "o": "STATE_CHANGED_AT"}, "payments_item",
     "item_state_changed_idx"),
    ("payments:item", {"state_changed_at_from": "01/01/2025", "state_changed_at_to": "02/01/2025"}, "payments_item",
     "item_state_changed_at_idx"),
    ("payments:charge", {}, "payments_charge", "charge_created_idx"),
    ("payments:charge", {"status__exact": "declined"}, "payments_charge", "charge_status_created_idx"),
    ("payments:disbursement", {}, "payments_disbursement", "disbursement_created_idx"),
    ("payments:disbursement", {"status__exact": "returned"}, "payments_disbursement", "disbursement_status_idx"),
    ("payments:transaction", {}, "payments_transaction", "transaction_created_idx"),
    ("payments:transaction", {"kind__exact": "refund"}, "payments_transaction", "transaction_kind_created_idx"),
    ("batches:batchentry", {"return_code__exact": "R01"}, "batches_batchentry", "batchentry_returned_idx"),
    ("batches:batch", {}, "batches_batch", "batch_processing_date_idx"),
    ("apilog:apirequest", {}, "apilog_apirequest", "apirequest_occurred_at_idx"),
    ("audit:auditevent", {}, "audit_auditevent", "audit_auditevent_pkey"),
]


def list_url(client, name: str, query: dict) -> str:
    app_label, model_name = name.split(":")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    if query.get("o") == "STATE_CHANGED_AT":
        column = client.get(url).context["cl"].list_display.index("state_changed_at")
        query = {**query, "o": str(column)}
    return f"{url}?{urlencode(query)}" if query else url


@pytest.mark.parametrize(("name", "query", "table", "index"), LIST_PLANS)
def test_each_list_reads_its_first_and_a_deep_page_through_its_index(
        postgresql, client_as, a_little_of_everything, name, query, table, index):
    client = client_as("lead")
    url = list_url(client, name, query)
    first = plan_of(main_query(client, url, table), ordered_by_index=True)
    assert index in first, first
    assert "Seq Scan" not in first, first
    # Deep in the list: after a row, by the same index, never an offset.
    cursor = client.get(url).context["cl"]
    position = cursor.seek_key.position_of(cursor.result_list[0]) if cursor.result_list else None
    if position is not None:
        deep_url = f"{url}{'&' if '?' in url else '?'}{urlencode({'after': position})}"
        deep_sql = main_query(client, deep_url, table)
        assert "OFFSET" not in deep_sql
        deep = plan_of(deep_sql, ordered_by_index=True)
        assert index in deep and "Seq Scan" not in deep, deep


@pytest.mark.parametrize(("url", "query"), [
    (ITEMS, "maria.rossi@ceramics.example.com"), (CHARGES, "7319"), (CHARGES, "cb-itm-5501"),
    (CUSTOMERS, "maria.rossi@ceramics.example.com"), (reverse("admin:payments_transaction_changelist"), "txn_1"),
])
def test_each_list_search_is_served_by_indexes(postgresql, client_as, a_little_of_everything, url, query):
    client = client_as("lead")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"q": query}).status_code == 200
    looked_up = [captured["sql"] for captured in queries.captured_queries
                 if captured["sql"].startswith("SELECT")
                 and ("payments_" in captured["sql"] or "accounts_" in captured["sql"])
                 and "django_session" not in captured["sql"] and "staffplatformaccess" not in captured["sql"]]
    assert looked_up
    for sql in looked_up:
        plan = plan_of(sql)
        assert "Seq Scan" not in plan, f"{sql}\n{plan}"


def test_the_ledger_list_is_read_newest_first(client_as, db):
    older = make_transaction(created_at=timezone.now() - timedelta(days=5))
    newer = make_transaction(created_at=timezone.now() - timedelta(days=1))
    response = client_as("lead").get(reverse("admin:payments_transaction_changelist"))
    assert listed(response)[:2] == [newer.pk, older.pk]
    assert Transaction.objects.count() >= 2


# --- Related records on a detail page --------------------------------------------------------------

def related_table(response, key: str):
    """The page of the related table `key` (opsconsole/related_tables.py) on a detail page."""
    return next(table for table in response.context["related_tables"] if table.key == key)


def test_a_related_table_pages_through_related_records_without_counting_them(client_as, db):
    from tests.factories import make_item_state_change

    item = make_item()
    newest_first = [make_item_state_change(item=item) for _ in range(23)][::-1]
    client = client_as("lead")
    url = reverse("admin:payments_item_change", args=[item.pk])
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url)
    assert [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper()] == []
    table = related_table(first, "state_changes")
    per_page = len(table.records)
    assert [change.pk for change in table.records] == [change.pk for change in newest_first[:per_page]]
    assert table.previous_url is None and table.next_url == "?state_changes-page=2"
    assert f'href="{table.next_url}"' in first.content.decode()

    last_page = client.get(f"{url}{table.next_url}")
    table = related_table(last_page, "state_changes")
    assert [change.pk for change in table.records] == [change.pk for change in newest_first[per_page:]]
    assert table.previous_url is not None and table.next_url is None
