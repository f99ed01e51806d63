"""The related records below a detail page (opsconsole/related_tables.py): each table pages on
its own without counting, shows only the rows of the person's platforms, is left out for a
person who may not view its kind, and links to records only for people who may view them."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Customer
from opsconsole.models import StaffPlatformAccess
from opsconsole.roles import OPS_LEAD
from payments.models import PaymentMethod
from tests.conftest import make_staff, sign_in_verified
from tests.factories import (
    make_bank_account,
    make_batch,
    make_batch_entry,
    make_charge,
    make_customer,
    make_disbursement,
    make_item,
    make_payout_hold,
)

CUSTOMER_TABLES = ["payout_holds", "bank_accounts", "card_accounts", "items_sold", "items_bought", "disbursements"]


def customer_url(customer: Customer) -> str:
    return reverse("admin:accounts_customer_change", args=[customer.pk])


def tables(response) -> dict:
    return {table.key: table for table in response.context["related_tables"]}


def pks(rows) -> list[int]:
    return [row.pk for row in rows]


@pytest.fixture
def trader(db) -> Customer:
    """A customer who sold twelve items and bought twelve, each newer than the one before."""
    customer = make_customer(kind=Customer.Kind.SELLER)
    for _ in range(12):
        make_item(seller=customer)
        make_item(buyer=customer)
    return customer


def test_each_table_turns_its_own_pages_without_counting(client_as, trader):
    sold_newest_first = pks(trader.items_sold.order_by("-id"))
    bought_newest_first = pks(trader.items_bought.order_by("-id"))
    client = client_as("lead")

    first = tables(client.get(customer_url(trader)))
    assert pks(first["items_sold"].records) == sold_newest_first[:10]
    assert first["items_sold"].next_url == "?items_sold-page=2" and first["items_sold"].previous_url is None

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{customer_url(trader)}{first['items_sold'].next_url}")
    assert [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper()] == []
    second = tables(response)
    assert pks(second["items_sold"].records) == sold_newest_first[10:]
    assert second["items_sold"].next_url is None and second["items_sold"].previous_url == customer_url(trader)
    assert pks(second["items_bought"].records) == bought_newest_first[:10], "the other table stays on its page"
    # The other table's next page keeps this one where it is, and swaps only itself in place.
    assert second["items_bought"].next_url == "?items_sold-page=2&items_bought-page=2"
    html = response.content.decode()
    assert ('href="?items_sold-page=2&amp;items_bought-page=2" hx-get="?items_sold-page=2&amp;items_bought-page=2"'
            ' hx-select="#related-items_bought" hx-target="#related-items_bought"') in html


@pytest.mark.parametrize("page", ["0", "-3", "two", ""])
def test_anything_but_a_page_number_shows_the_first_page(client_as, trader, page):
    table = tables(client_as("lead").get(customer_url(trader), {"items_sold-page": page}))["items_sold"]
    assert table.number == 1 and len(table.records) == 10


def test_a_table_without_rows_says_so(client_as, trader):
    response = client_as("lead").get(customer_url(trader))
    assert tables(response)["payout_holds"].records == []
    assert "No payout holds." in response.content.decode()
    beyond = client_as("lead").get(customer_url(trader), {"items_sold-page": "9"})
    assert tables(beyond)["items_sold"].records == [] and "No more items sold." in beyond.content.decode()
    far_beyond = client_as("lead").get(customer_url(trader), {"items_sold-page": "9" * 30})
    assert far_beyond.status_code == 200 and tables(far_beyond)["items_sold"].records == []


def test_a_table_shows_only_the_rows_of_the_persons_platforms(client_as, db):
    ours, theirs = make_disbursement(), make_disbursement()
    batch = make_batch()
    our_entry = make_batch_entry(batch=batch, disbursement=ours)
    their_entry = make_batch_entry(batch=batch, disbursement=theirs)
    limited = make_staff("lead_of_one_platform", group_name=OPS_LEAD.group_name)
    StaffPlatformAccess.objects.create(user=limited).platforms.set([ours.seller.platform])
    url = reverse("admin:batches_batch_change", args=[batch.pk])

    assert pks(tables(client_as("lead").get(url))["entries"].records) == [their_entry.pk, our_entry.pk]
    response = sign_in_verified(Client(), limited).get(url)
    assert pks(tables(response)["entries"].records) == [our_entry.pk]
    assert their_entry.trace_number not in response.content.decode()


def test_a_person_who_may_not_view_a_kind_does_not_see_its_table(client_as, trader):
    make_bank_account(customer=trader, account_number="064000123456789")
    assert list(tables(client_as("lead").get(customer_url(trader)))) == CUSTOMER_TABLES
    # Auditors open customers and items, and none of the accounts and payouts behind them.
    response = client_as("auditor").get(customer_url(trader))
    assert list(tables(response)) == ["items_sold", "items_bought"]
    html = response.content.decode()
    assert 'id="related-bank_accounts"' not in html and "••••6789" not in html


def test_cells_link_to_a_record_only_for_people_who_may_view_it(client_as, db):
    seller = make_customer(kind=Customer.Kind.SELLER)
    hold = make_payout_hold(customer=seller)
    hold_url = reverse("admin:accounts_payouthold_change", args=[hold.pk])
    placer_url = reverse("admin:auth_user_change", args=[hold.placed_by.pk])

    def hold_cells(person):
        row = tables(client_as(person).get(customer_url(seller)))["payout_holds"].rows[0]
        return {cell.label: cell.url for cell in row}

    assert hold_cells("lead")["placed at"] == hold_url
    assert hold_cells("lead")["placed by"] is None, "only superusers open staff accounts"
    assert hold_cells("root")["placed by"] == placer_url
    assert placer_url not in client_as("lead").get(customer_url(seller)).content.decode()

    entry = make_batch_entry(charge=make_charge(method=PaymentMethod.DIRECT_DEBIT))
    charge_url = reverse("admin:payments_charge_change", args=[entry.charge.pk])
    row = tables(client_as("ops").get(charge_url))["batch_entries"].rows[0]
    assert {cell.label: cell.url for cell in row} == {
        "trace number": reverse("admin:batches_batchentry_change", args=[entry.pk]),
        "batch": reverse("admin:batches_batch_change", args=[entry.batch.pk]),
        "direction": None, "status": None, "return code": None, "amount": None,
    }
