"""Who may open which admin page, and that nobody can write payment data through the admin.

(a) every person against every list and detail page, (b) refused writes, (c) masked bank account
numbers, (d) the sidebar, (e) signing in. Everything goes over HTTP with Django's test client, as
the demo people of `staff` (tests/conftest.py), against one small world made once per module.
"""

import json
from html import escape
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.auth.models import User
from django.db import models
from django.test import Client
from django.urls import reverse

from accounts.models import BankAccount, Platform
from tests.admin_models import registered_models
from tests.conftest import PASSWORD, authenticator_code, authenticator_of
from tests.factories import make_payments_world, make_platform

Y, N = True, False
PEOPLE = ("ops", "lead", "engineer", "developer", "auditor", "nobody", "root")

# Who may open the list and detail pages of each model, from what each role is for
# (opsconsole/roles.py). Ops agents find customers, items and batches and
# follow the money, but raw callback payloads and deliveries are technical detail they do not
# need; leads, support engineers and developers debug callbacks too. Auditors open the top-level
# records an audit starts from (platforms, customers, items, batches) and none of the records
# behind them: no accounts, cards, charges, ledger lines or callbacks. `nobody` is staff with no
# role and opens nothing. Only a superuser manages staff.
CAN_OPEN = {
    #                               ops  lead eng  dev  aud  nobody root
    "accounts.platform":           (Y,   Y,   Y,   Y,   Y,   N,     Y),
    "accounts.customer":           (Y,   Y,   Y,   Y,   Y,   N,     Y),
    "accounts.bankaccount":        (Y,   Y,   Y,   Y,   N,   N,     Y),
    "accounts.cardaccount":        (Y,   Y,   Y,   Y,   N,   N,     Y),
    "accounts.payouthold":         (Y,   Y,   Y,   Y,   N,   N,     Y),
    "payments.item":               (Y,   Y,   Y,   Y,   Y,   N,     Y),
    "payments.itemstatechange":    (Y,   Y,   Y,   Y,   N,   N,     Y),
    "payments.fee":                (Y,   Y,   Y,   Y,   N,   N,     Y),
    "payments.itemfee":            (Y,   Y,   Y,   Y,   N,   N,     Y),
    "payments.charge":             (Y,   Y,   Y,   Y,   N,   N,     Y),
    "payments.transaction":        (Y,   Y,   Y,   Y,   N,   N,     Y),
    "payments.disbursement":       (Y,   Y,   Y,   Y,   N,   N,     Y),
    "payments.callback":           (N,   Y,   Y,   Y,   N,   N,     Y),
    "payments.callbackdelivery":   (N,   Y,   Y,   Y,   N,   N,     Y),
    "batches.batch":               (Y,   Y,   Y,   Y,   Y,   N,     Y),
    "batches.batchentry":          (Y,   Y,   Y,   Y,   N,   N,     Y),
    "auth.user":                   (N,   N,   N,   N,   N,   N,     Y),
    "auth.group":                  (N,   N,   N,   N,   N,   N,     Y),
}
PAYMENT_DATA_APPS = {"accounts", "payments", "batches"}
PAYMENT_DATA_MODELS = sorted(label for label in CAN_OPEN if label.split(".")[0] in PAYMENT_DATA_APPS)

# The sidebar's links and the list each one opens (opsconsole/navigation.py).
SIDEBAR_LINKS = {
    "Customers": "accounts.customer",
    "Items": "payments.item",
    "Platforms": "accounts.platform",
    "Charges": "payments.charge",
    "Disbursements": "payments.disbursement",
    "Batches": "batches.batch",
    "Batch entries": "batches.batchentry",
    "Ledger": "payments.transaction",
    "Callbacks": "payments.callback",
    "Callback deliveries": "payments.callbackdelivery",
    "Payout holds": "accounts.payouthold",
    "Fees on items": "payments.itemfee",
    "Fee schedule": "payments.fee",
    "Bank accounts": "accounts.bankaccount",
    "Cards": "accounts.cardaccount",
    "Staff users": "auth.user",
    "Roles": "auth.group",
}

# The most privileged role and a superuser: if they cannot write, nobody can.
WRITERS_TO_REFUSE = ("developer", "root")


@pytest.fixture(scope="module")
def module_world(module_transaction):
    return make_payments_world(2)


@pytest.fixture
def world(module_world, db):
    """Two of everything (tests/factories.py), made once for the module; tests only read it."""
    return module_world


@pytest.fixture
def people(module_clients, db) -> dict:
    """A logged-in test client for each demo person (tests/conftest.py)."""
    return module_clients


def may_open(person: str, label: str) -> bool:
    return CAN_OPEN[label][PEOPLE.index(person)]


def list_url(label: str) -> str:
    return reverse(admin_urlname(apps.get_model(label)._meta, "changelist"))


def object_url(obj: models.Model, view: str = "change") -> str:
    return reverse(admin_urlname(obj._meta, view), args=[obj.pk])


def add_url(label: str) -> str:
    return reverse(admin_urlname(apps.get_model(label)._meta, "add"))


def test_the_expectations_cover_every_admin_page_of_payment_data_and_staff():
    registered = {
        model._meta.label_lower
        for model in registered_models()
        if model._meta.app_label in PAYMENT_DATA_APPS | {"auth"}
    }
    assert registered == set(CAN_OPEN)


# (a) The matrix: each person against each model's list page and one detail page.


@pytest.mark.parametrize("label", sorted(CAN_OPEN))
def test_each_person_opens_exactly_the_pages_their_role_allows(label, people, world):
    model = apps.get_model(label)
    obj = world.detail_object(model)
    wrong = []
    for person in PEOPLE:
        client = people[person]
        expected = 200 if may_open(person, label) else 403
        list_page = client.get(list_url(label))
        detail_page = client.get(object_url(obj))
        for page, response in (("list", list_page), ("detail", detail_page)):
            if response.status_code != expected:
                wrong.append(f"{person} got {response.status_code} for the {page} page, expected {expected}")
        if expected == 200:
            # An allowed page shows the data, not an empty shell: the list links to the object,
            # the detail page names it.
            if object_url(obj) not in list_page.content.decode():
                wrong.append(f"{person}: the list does not link to {obj!r}")
            if escape(str(obj)) not in detail_page.content.decode():
                wrong.append(f"{person}: the detail page does not show {obj!r}")
    assert not wrong, f"{label}:\n" + "\n".join(wrong)


def test_the_matrix_states_the_roles_meaning():
    """A few rows of the table in words, so the table cannot drift from the roles silently."""
    assert not may_open("ops", "payments.callback")
    assert may_open("auditor", "accounts.customer") and not may_open("auditor", "payments.charge")
    assert not any(may_open("nobody", label) for label in CAN_OPEN)
    assert all(may_open("root", label) for label in CAN_OPEN)
    assert not any(may_open(person, "auth.user") for person in PEOPLE if person != "root")


# (b) Nobody, superusers included, writes payment data through the admin.


def form_data(obj: models.Model) -> dict[str, str]:
    """What the admin's change form for `obj` would post: every editable field as it is now.
    (The related records below a detail page are read-only tables, outside any form.)"""
    data = {}
    for model_field in obj._meta.concrete_fields:
        if not model_field.editable or model_field.primary_key:
            continue
        name, value = model_field.name, model_field.value_from_object(obj)
        if isinstance(model_field, models.DateTimeField):
            data[f"{name}_0"] = value.date().isoformat() if value else ""
            data[f"{name}_1"] = value.time().isoformat("seconds") if value else ""
        elif isinstance(model_field, models.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(model_field, models.JSONField):
            data[name] = json.dumps(value)
        else:
            data[name] = "" if value is None else str(value)
    return data


def altered_form_data(obj: models.Model, *, marker: str = "chg") -> dict[str, str]:
    """The change form with a new value, made from `marker`, in every free-text field, unique
    ones included, so it is also a valid add form."""
    data = form_data(obj)
    for model_field in obj._meta.concrete_fields:
        if not isinstance(model_field, (models.CharField, models.TextField)) or model_field.choices:
            continue
        if not model_field.editable or model_field.primary_key:
            continue
        if isinstance(model_field, models.EmailField):
            data[model_field.name] = f"{marker}.{obj.pk}@example.com"
        elif isinstance(model_field, models.URLField):
            data[model_field.name] = f"https://{marker}.example.com/"
        else:
            data[model_field.name] = f"{marker}{obj.pk}"[: model_field.max_length]
    return data


def stored(model: type[models.Model]) -> list[dict]:
    return list(model.objects.order_by("pk").values())


@pytest.mark.parametrize("label", PAYMENT_DATA_MODELS)
def test_nobody_can_add_payment_data(label, people, world):
    model = apps.get_model(label)
    before = stored(model)
    payload = altered_form_data(world.detail_object(model), marker="new")
    for person in WRITERS_TO_REFUSE:
        client = people[person]
        assert client.get(add_url(label)).status_code == 403, person
        assert client.post(add_url(label), payload).status_code == 403, person
    assert stored(model) == before


@pytest.mark.parametrize("label", PAYMENT_DATA_MODELS)
def test_nobody_can_change_payment_data(label, people, world):
    model = apps.get_model(label)
    obj = world.detail_object(model)
    before = stored(model)
    for person in WRITERS_TO_REFUSE:
        response = people[person].post(object_url(obj), altered_form_data(obj))
        assert response.status_code == 403, person
    assert stored(model) == before


@pytest.mark.parametrize("label", PAYMENT_DATA_MODELS)
def test_nobody_can_delete_payment_data(label, people, world):
    model = apps.get_model(label)
    obj = world.detail_object(model)
    before = stored(model)
    for person in WRITERS_TO_REFUSE:
        client = people[person]
        assert client.get(object_url(obj, "delete")).status_code == 403, person
        assert client.post(object_url(obj, "delete"), {"post": "yes"}).status_code == 403, person
    assert stored(model) == before


def bulk_delete(client, label: str, pks: list) -> list:
    """Both steps of Django's `delete_selected`: the action from the list, then the confirmation."""
    selected = {"action": "delete_selected", "_selected_action": [str(pk) for pk in pks]}
    first = client.post(list_url(label), {**selected, "index": "0"})
    confirmed = client.post(list_url(label), {**selected, "post": "yes"})
    return [first, confirmed]


@pytest.mark.parametrize("label", PAYMENT_DATA_MODELS)
def test_the_bulk_delete_action_deletes_nothing(label, people, world):
    model = apps.get_model(label)
    before = stored(model)
    for person in WRITERS_TO_REFUSE:
        for response in bulk_delete(people[person], label, [row["id"] for row in before]):
            # Refused, or back to the list ("No action selected"), never the confirmation page.
            assert response.status_code in (200, 302, 403), person
            if response.status_code == 302:
                assert response["Location"] == list_url(label), person
            assert b"Are you sure" not in response.content, person
    assert stored(model) == before


def test_the_refused_writes_are_real_writes_when_an_admin_allows_them(monkeypatch, people):
    """The payloads above would add, change and delete a row: only the permissions stop them."""
    platform_admin = admin.site.get_model_admin(Platform)
    for permission in ("has_add_permission", "has_change_permission", "has_delete_permission"):
        monkeypatch.setattr(platform_admin, permission, lambda request, obj=None: True)
    monkeypatch.setattr(platform_admin, "actions", [])  # the site's delete_selected
    client = people["root"]
    platform, doomed, bulk_doomed = make_platform(), make_platform(), make_platform()

    assert client.post(add_url("accounts.platform"), altered_form_data(platform, marker="new")).status_code == 302
    assert Platform.objects.filter(client_id=f"new{platform.pk}").exists()

    assert client.post(object_url(platform), altered_form_data(platform)).status_code == 302
    platform.refresh_from_db()
    assert platform.name == f"chg{platform.pk}"

    assert client.post(object_url(doomed, "delete"), {"post": "yes"}).status_code == 302
    assert not Platform.objects.filter(pk=doomed.pk).exists()

    first, confirmed = bulk_delete(client, "accounts.platform", [bulk_doomed.pk])
    assert b"Are you sure" in first.content
    assert confirmed.status_code == 302
    assert not Platform.objects.filter(pk=bulk_doomed.pk).exists()


# (c) Bank account numbers are shown masked on every page.


def masked(bank_account: BankAccount) -> str:
    return "••••" + bank_account.account_number[-4:]


# The pages that show bank accounts, and which accounts each must show (masked).
PAGES_SHOWING_BANK_ACCOUNTS = {
    ("accounts.bankaccount", "list"): lambda page_object: BankAccount.objects.all(),
    ("accounts.bankaccount", "detail"): lambda bank_account: [bank_account],
    ("accounts.customer", "detail"): lambda customer: customer.bank_accounts.all(),
    ("payments.charge", "detail"): lambda charge: [charge.bank_account],
    ("payments.disbursement", "detail"): lambda disbursement: [disbursement.bank_account],
    ("batches.batchentry", "detail"): lambda entry: [entry.bank_account],
}


@pytest.mark.parametrize("page", ["list", "detail"])
@pytest.mark.parametrize("label", sorted(CAN_OPEN))
def test_bank_account_numbers_never_appear_unmasked(label, page, world, people):
    page_object = world.detail_object(apps.get_model(label))
    url = list_url(label) if page == "list" else object_url(page_object)
    person = "ops" if may_open("ops", label) else "root"
    response = people[person].get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for bank_account in BankAccount.objects.all():
        assert bank_account.account_number not in html, f"{person} sees {bank_account.account_number}"
    shown = PAGES_SHOWING_BANK_ACCOUNTS.get((label, page), lambda page_object: [])(page_object)
    for bank_account in shown:
        assert masked(bank_account) in html, f"{person} does not see {masked(bank_account)}"


def test_the_pages_showing_bank_accounts_have_accounts_to_show(world):
    """The masked-number checks above have something to find on each page that shows accounts."""
    for (label, page), accounts_shown in PAGES_SHOWING_BANK_ACCOUNTS.items():
        page_object = world.detail_object(apps.get_model(label))
        assert all(accounts_shown(page_object)) and len(accounts_shown(page_object)) >= 1, (label, page)


# (d) The sidebar shows each person only the links they may open.


class SidebarLinks(HTMLParser):
    """The links (title → href) inside unfold's `<div id="nav-sidebar-apps">`."""

    def __init__(self):
        super().__init__()
        self.links: dict[str, str] = {}
        self._div_depth = 0
        self._href: str | None = None
        self._in_icon = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "div" and (self._div_depth or attributes.get("id") == "nav-sidebar-apps"):
            self._div_depth += 1
        elif tag == "a" and self._div_depth:
            self._href, self._text = attributes.get("href"), []
        elif tag == "span" and "material-symbols" in (attributes.get("class") or ""):
            self._in_icon = True  # the icon's name is text too: "person_search"

    def handle_endtag(self, tag):
        if tag == "div" and self._div_depth:
            self._div_depth -= 1
        elif tag == "span":
            self._in_icon = False
        elif tag == "a" and self._href is not None:
            self.links[" ".join("".join(self._text).split())] = self._href
            self._href = None

    def handle_data(self, data):
        if self._href is not None and not self._in_icon:
            self._text.append(f" {data} ")


def sidebar_links(client) -> dict[str, str]:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    parser = SidebarLinks()
    parser.feed(response.content.decode())
    return parser.links


@pytest.mark.parametrize("person", PEOPLE)
def test_the_sidebar_shows_only_the_links_a_person_may_open(person, people):
    client = people[person]
    links = sidebar_links(client)
    expected = {
        title: list_url(label) for title, label in SIDEBAR_LINKS.items() if may_open(person, label)
    }
    assert {title: href for title, href in links.items() if title in SIDEBAR_LINKS} == expected
    # Links to pages outside the table above (task runs, support, ...) must open too.
    for title, href in links.items():
        if title not in SIDEBAR_LINKS:
            assert client.get(href).status_code == 200, f"{person} is shown {title!r} ({href}) and cannot open it"


def test_the_sidebar_in_words(people):
    ops, auditor, nobody, root = (sidebar_links(people[person]) for person in ("ops", "auditor", "nobody", "root"))
    assert "Customers" in ops and "Callbacks" not in ops and "Staff users" not in ops
    assert set(auditor) & set(SIDEBAR_LINKS) == {"Customers", "Items", "Platforms", "Batches"}
    assert nobody == {}
    assert {"Staff users", "Roles", "Callbacks", "Bank accounts"} <= set(root)


# (e) Signing in.


def sign_in_as_ops(client: Client, login_url: str):
    """The password at `login_url`, then the code of ops' authenticator at the second step."""
    password_step = client.post(login_url, {"username": "ops", "password": PASSWORD})
    ops = User.objects.get(username="ops")
    return client.post(password_step["Location"], {"code": authenticator_code(authenticator_of(ops))})


def test_signing_in_from_the_bare_login_page_lands_on_the_dashboard(people):
    response = sign_in_as_ops(Client(), reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_signing_in_from_a_page_returns_to_it(people):
    """The console sends a stranger to the login form with `next`, and back after signing in."""
    client = Client()
    login_page = client.get(list_url("accounts.customer"))
    assert login_page.status_code == 302
    response = sign_in_as_ops(client, login_page["Location"])
    assert response["Location"] == list_url("accounts.customer")
