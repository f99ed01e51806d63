"""Fee amounts read as money with their currency, on the fees-on-items list and on the pages of a fee
on an item and of a fee in the schedule, never as the minor units they are kept in."""

import re

import pytest
from django.urls import reverse

from payments.models import Fee, Payer
from tests.factories import make_fee, make_item, make_item_fee
from tests.opsconsole.test_detail_page import read_details


@pytest.fixture
def seller_fee(db):
    item = make_item(currency="AUD", external_id="bzr-itm-0042")
    fee = make_fee(platform=item.platform, name="Marketplace commission", kind=Fee.Kind.FIXED, fixed_amount=20000,
                   cap_amount=35000, payer=Payer.SELLER, currency="AUD")
    return make_item_fee(item=item, fee=fee, amount=20000)


def no_raw_minor_units(html: str) -> bool:
    return re.search(r"[>\s]20000[<\s]", html) is None


def test_the_fees_on_items_list_shows_each_amount_as_money(client_as, seller_fee):
    html = client_as("ops").get(reverse("admin:payments_itemfee_changelist")).content.decode()
    row = html[html.index('id="result_list"'):]
    assert "200.00 AUD" in row
    assert no_raw_minor_units(row)


def test_a_fee_on_an_items_page_shows_its_amount_as_money(client_as, seller_fee):
    response = client_as("ops").get(reverse("admin:payments_itemfee_change", args=[seller_fee.pk]))
    details = {label: value for label, value, _ in read_details(response).fields}
    assert details["Amount"] == "200.00 AUD"
    assert no_raw_minor_units(response.content.decode())


def test_a_scheduled_fees_page_shows_its_fixed_amount_and_cap_as_money(client_as, seller_fee):
    response = client_as("ops").get(reverse("admin:payments_fee_change", args=[seller_fee.fee_id]))
    details = {label: value for label, value, _ in read_details(response).fields}
    assert (details["Fixed amount"], details["Cap"]) == ("200.00 AUD", "350.00 AUD")
    assert no_raw_minor_units(response.content.decode())
