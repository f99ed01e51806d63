"""Sensitive values: a bank account's full number is shown to nobody until a permitted person
reveals it with a reason, and the reveal is audited; customer emails are masked for the auditor."""

from html import escape

import pytest
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.test import Client
from django.urls import reverse

from accounts.models import BankAccount, Customer
from accounts.services import REVEAL_REASON_TOO_SHORT, REVEALED, customer_change_email
from audit.models import AuditEvent
from tests.conftest import sign_in_verified
from tests.factories import make_bank_account, make_customer, make_platform

PEOPLE = ("ops", "lead", "engineer", "developer", "auditor", "nobody", "root")
MAY_REVEAL = {"lead", "engineer", "root"}
SEES_CONTACT = {"ops", "lead", "engineer", "developer", "root"}
REASON = "Bank asked to confirm the account on dispute D-88"
IP_ADDRESS = "203.0.113.40"
EMAIL = "maria.rossi@ceramics.example.com"
MASKED_EMAIL = "m•••@ceramics.example.com"


@pytest.fixture
def seller(db) -> Customer:
    return make_customer(kind=Customer.Kind.SELLER, email=EMAIL, external_id="cb-usr-000731")


@pytest.fixture
def bank_account(seller) -> BankAccount:
    return make_bank_account(customer=seller, account_number="064000123456789")


@pytest.fixture
def login(staff):
    """`login("lead")`: a test client for that person, coming from IP_ADDRESS."""

    def logged_in(username: str, **client_options) -> Client:
        return sign_in_verified(Client(REMOTE_ADDR=IP_ADDRESS, **client_options), staff[username])

    return logged_in


def page_url(obj, view: str = "change") -> str:
    return reverse(admin_urlname(obj._meta, view), args=[obj.pk])


def list_url(model) -> str:
    return reverse(admin_urlname(model._meta, "changelist"))


def reveal_url(bank_account) -> str:
    return reverse("admin:accounts_bankaccount_reveal", args=[bank_account.pk])


def reveal(client, bank_account, reason=REASON):
    return client.post(reveal_url(bank_account), {"reason": reason})


def reveal_events():
    return AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL)


# Revealing a bank account number.


def test_the_lead_reveals_the_number_with_a_reason_and_the_reveal_is_audited(login, staff, bank_account):
    response = reveal(login("lead"), bank_account)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("064000123456789") == 1
    assert "no-store" in response["Cache-Control"]
    event = reveal_events().get()
    # The six fields of PCI DSS 10.2.2: who, what, when, from where, success or failure, which object.
    assert (event.actor, event.action, event.ip_address, event.outcome) == (
        staff["lead"], AuditEvent.Action.REVEAL, IP_ADDRESS, AuditEvent.Outcome.SUCCESS)
    assert event.occurred_at is not None
    assert (event.object_type.model, event.object_id) == ("bankaccount", str(bank_account.pk))
    assert event.summary == REVEALED
    assert event.details == {"field": "account_number", "reason": REASON}
    stored = " ".join(str(value) for value in AuditEvent.objects.values().get(pk=event.pk).values())
    assert "064000123456789" not in stored and "123456789" not in stored


def test_the_number_is_kept_nowhere_after_the_reveal(login, bank_account):
    client = login("engineer")
    assert reveal(client, bank_account).status_code == 200

    assert "064000123456789" not in str(dict(client.session.items()))
    assert "064000123456789" not in client.get(page_url(bank_account)).content.decode()
    assert "064000123456789" not in client.get(reveal_url(bank_account)).content.decode()


@pytest.mark.parametrize("reason", ["", "   ", "because"])
def test_a_missing_or_short_reason_reveals_and_records_nothing(login, bank_account, reason):
    response = reveal(login("lead"), bank_account, reason=reason)

    assert response.status_code == 200
    html = response.content.decode()
    assert "064000123456789" not in html
    assert response.context["reveal_form"].errors == {"reason": [REVEAL_REASON_TOO_SHORT]}
    assert escape(REVEAL_REASON_TOO_SHORT) in html
    assert not reveal_events().exists()


@pytest.mark.parametrize("person", ["ops", "auditor", "developer", "nobody"])
def test_people_without_the_permission_are_refused_and_the_attempt_recorded(login, staff, bank_account, person):
    client = login(person)

    assert client.get(reveal_url(bank_account)).status_code == 403
    response = reveal(client, bank_account)

    assert response.status_code == 403
    assert "064000123456789" not in response.content.decode()
    # Every attempt is recorded as the failure it is, by those who may not even see bank accounts too.
    event = reveal_events().get()
    assert (event.actor, event.outcome, event.object_id) == (
        staff[person], AuditEvent.Outcome.FAILURE, str(bank_account.pk))


@pytest.mark.parametrize("person", PEOPLE)
def test_only_permitted_people_see_the_reveal_control(login, bank_account, person):
    response = login(person).get(page_url(bank_account))
    html = response.content.decode()

    has_control = 'id="reveal-account-number-form"' in html and reveal_url(bank_account) in html
    assert has_control == (person in MAY_REVEAL), person
    if has_control:
        assert 'name="csrfmiddlewaretoken"' in html and 'name="reason"' in html


def test_a_reveal_without_the_csrf_token_is_refused(login, bank_account):
    response = reveal(login("lead", enforce_csrf_checks=True), bank_account)
    assert response.status_code == 403
    assert "064000123456789" not in response.content.decode()
    assert not reveal_events().exists()


@pytest.mark.parametrize("person", PEOPLE)
def test_the_full_number_appears_on_no_other_page(login, bank_account, seller, person):
    client = login(person)
    search_page = reverse("console-search")
    pages = [
        page_url(bank_account), list_url(BankAccount), f"{list_url(BankAccount)}?q={EMAIL}",
        page_url(bank_account, "history"), page_url(seller), page_url(seller, "history"),
        f"{search_page}?q={seller.external_id}", f"{search_page}?q=ceramics", f"{search_page}?q=6789",
    ]
    for url in pages:
        response = client.get(url, follow=True)
        assert "064000123456789" not in response.content.decode(), f"{person}: {url}"


def test_the_roles_that_may_reveal(staff):
    allowed = {person for person in PEOPLE if staff[person].has_perm("accounts.reveal_bankaccount")}
    assert allowed == MAY_REVEAL


# Customer contact details.


@pytest.fixture
def seller_elsewhere(seller) -> Customer:
    """The same person selling on another platform: same email and external id, so that a
    search lists both rather than going straight to one."""
    return make_customer(platform=make_platform(), kind=Customer.Kind.SELLER, email=EMAIL,
                         external_id=seller.external_id)


def contact_pages(seller) -> dict[str, str]:
    return {
        "list": list_url(Customer),
        "detail": page_url(seller),
        "history": page_url(seller, "history"),
        "search": f"{reverse('console-search')}?q={seller.external_id}",
    }


def test_the_auditor_sees_customer_emails_masked_everywhere(login, seller, seller_elsewhere):
    customer_change_email(customer=seller, new_email="maria@studio.example.com")
    customer_change_email(customer=seller, new_email=EMAIL)
    client = login("auditor")

    for page, url in contact_pages(seller).items():
        response = client.get(url)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert EMAIL not in html and "maria@studio.example.com" not in html, page
        assert "maria.rossi" not in html, page
        assert MASKED_EMAIL in html, page
        # Still identified: by name and external id.
        assert seller.last_name in html and seller.external_id in html, page


def test_ops_sees_customer_emails_in_full(login, seller, seller_elsewhere):
    customer_change_email(customer=seller, new_email="maria@studio.example.com")
    customer_change_email(customer=seller, new_email=EMAIL)
    client = login("ops")

    for page, url in contact_pages(seller).items():
        html = client.get(url).content.decode()
        assert EMAIL in html and MASKED_EMAIL not in html, page
    assert "maria@studio.example.com" in client.get(page_url(seller, "history")).content.decode()


def test_part_of_an_email_finds_customers_only_for_people_who_see_contact_details(login, seller):
    search = f"{reverse('console-search')}?q=rossi@ceram"
    assert login("ops").get(search).status_code == 302  # straight to the one match
    response = login("auditor").get(search)
    assert response.status_code == 200 and 'id="search-nothing"' in response.content.decode()
    # The whole address still finds the customer: the auditor already knows it.
    assert login("auditor").get(f"{reverse('console-search')}?q={EMAIL}")["Location"] == page_url(seller)


def test_the_roles_that_see_contact_details(staff):
    allowed = {person for person in PEOPLE if staff[person].has_perm("accounts.view_customer_contact")}
    assert allowed == SEES_CONTACT
