"""Revealing a bank account's full number in a real browser: the lead gives a reason on the
account's page and sees the number once."""

import pytest
from playwright.sync_api import expect

from accounts.models import Customer
from accounts.services import REVEAL_REASON_TOO_SHORT
from audit.models import AuditEvent
from tests.factories import make_bank_account, make_customer

pytestmark = pytest.mark.browser


@pytest.fixture
def bank_account(transactional_db):
    seller = make_customer(kind=Customer.Kind.SELLER, email="maria.rossi@ceramics.example.com")
    return make_bank_account(customer=seller, account_number="064000123456789")


def test_the_lead_reveals_an_account_number_with_a_reason(page, live_server, login, bank_account):
    login(page, live_server, "lead")
    page.goto(f"{live_server.url}/accounts/bankaccount/{bank_account.pk}/change/")
    expect(page.locator(".readonly", has_text="••••6789")).to_be_visible()
    assert "064000123456789" not in page.content()

    reveal = page.get_by_role("button", name="Reveal account number")
    reveal.click()
    expect(page.locator("#reveal-account-number-form")).to_contain_text(REVEAL_REASON_TOO_SHORT)

    page.get_by_label("Reason").fill("Bank asked to confirm the account on dispute D-88")
    page.get_by_role("button", name="Reveal account number").click()
    expect(page.locator("#revealed-account-number")).to_contain_text("064000123456789")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL, actor__username="lead").count() == 1

    page.get_by_role("link", name=str(bank_account)).click()
    expect(page.locator(".readonly", has_text="••••6789")).to_be_visible()
    assert "064000123456789" not in page.content()
