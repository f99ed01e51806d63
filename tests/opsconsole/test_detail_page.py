"""The console's detail page (templates/opsconsole/detail_page.html): every declared field with its
label, value and help text, fieldsets with their names, contact details masked for people who may
not see them, badges as badges, and its own stylesheet, which no other page loads."""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.test import RequestFactory
from django.urls import reverse
from django.utils.text import capfirst
from unfold.decorators import display

from accounts.masking import mask_email
from accounts.models import Customer
from audit.models import AuditEvent
from audit.services.recording import record_event
from opsconsole.models import TaskRun
from opsconsole.readonly_admin import ReadOnlyModelAdmin
from payments.models import Item, ItemState
from tests.factories import make_callback_delivery, make_customer, make_item, make_platform

DETAILS_STYLESHEET = "opsconsole/details.css"


class DetailsReader(HTMLParser):
    """The details of a detail page as (label, value text, value links), and its fieldset
    headings, read from the markup: a `dt` and the `dd.readonly` after it, headings the `h2` of a
    `section.details`. `disclosed[i]` says whether field `i` is inside a `<details>`
    (`disclosures`: their attributes)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str, list[str]]] = []
        self.disclosed: list[bool] = []
        self.disclosures: list[dict] = []
        self.headings: list[str] = []
        self._open_disclosures = 0
        self._capturing: str | None = None  # "label", "value" or "heading"
        self._depth = 0
        self._text: list[str] = []
        self._links: list[str] = []
        self._label = ""
        self._in_details = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "details":
            self._open_disclosures += 1
            self.disclosures.append(dict(attrs))
        if self._capturing:
            self._depth += tag not in ("br", "img", "input")
            if tag == "a":
                self._links.append(dict(attrs).get("href"))
        elif tag == "dt":
            self._start("label")
        elif tag == "dd" and "readonly" in classes:
            self._start("value")
        elif tag == "h2" and self._in_details:
            self._start("heading")
        elif tag == "section" and "details" in classes:
            self._in_details = True

    def handle_endtag(self, tag):
        if tag == "section":
            self._in_details = False
        if tag == "details":
            self._open_disclosures -= 1
        if not self._capturing:
            return
        if self._depth:
            self._depth -= 1
            return
        text = " ".join("".join(self._text).split())
        if self._capturing == "label":
            self._label = text
        elif self._capturing == "value":
            self.fields.append((self._label, text, self._links))
            self.disclosed.append(self._open_disclosures > 0)
        else:
            self.headings.append(text)
        self._capturing = None

    def handle_data(self, data):
        if self._capturing:
            self._text.append(data)

    def _start(self, what: str):
        self._capturing, self._depth, self._text, self._links = what, 0, [], []


def read_details(response) -> DetailsReader:
    assert response.status_code == 200
    html = response.content.decode()
    reader = DetailsReader()
    reader.feed(html[html.index('id="content-main"'):])
    return reader


@pytest.fixture
def customer(db) -> Customer:
    return make_customer(kind=Customer.Kind.SELLER, email="maria.rossi@example.com", first_name="Maria",
                         last_name="Rossi", country="AU", external_id="tra-usr-00042")


def customer_url(customer: Customer) -> str:
    return reverse("admin:accounts_customer_change", args=[customer.pk])


def test_a_customer_page_lists_every_declared_field_with_its_label_and_value(client_as, customer):
    customer_admin = admin.site.get_model_admin(Customer)

    details = read_details(client_as("lead").get(customer_url(customer)))

    labels = [capfirst(label_for_field(name, Customer, customer_admin)) for name in customer_admin.fields]
    assert [label for label, _, _ in details.fields] == labels
    values = {name: (value, links) for name, (_, value, links) in zip(customer_admin.fields, details.fields)}
    platform_url = reverse("admin:accounts_platform_change", args=[customer.platform_id])
    assert values["platform"] == (str(customer.platform), [platform_url])
    assert values["external_id"][0] == "tra-usr-00042"
    assert values["kind"][0] == "Seller"
    assert values["email"][0] == "maria.rossi@example.com"
    assert (values["first_name"][0], values["last_name"][0], values["country"][0]) == ("Maria", "Rossi", "AU")
    assert values["kyc_state"][0] == customer.get_kyc_state_display()
    assert values["created_at"][0] not in ("", "-")


def test_help_texts_are_shown_below_their_values(client_as, customer):
    html = client_as("lead").get(customer_url(customer)).content.decode()
    assert Customer._meta.get_field("external_id").help_text in html


def test_the_auditor_sees_the_email_masked_in_the_details(client_as, customer):
    details = read_details(client_as("auditor").get(customer_url(customer)))

    values = dict((label, value) for label, value, _ in details.fields)
    assert values["Email"] == mask_email("maria.rossi@example.com") != "maria.rossi@example.com"


def test_a_page_with_fieldsets_shows_each_under_its_name(client_as, staff, customer):
    run = TaskRun.objects.create(task_slug="change-email", task_title="Change a customer's email",
                                 target_id=str(customer.pk), requested_by=staff["ops"],
                                 source=TaskRun.Source.WEB, status=TaskRun.Status.SUCCEEDED, reason="Lost mailbox")
    run_admin = admin.site.get_model_admin(TaskRun)

    page = client_as("lead").get(reverse("admin:opsconsole_taskrun_change", args=[run.pk]))
    details = read_details(page)

    fieldsets = run_admin.get_fieldsets(page.wsgi_request, run)
    assert details.headings == [name for name, _ in fieldsets if name]
    declared = [name for _, options in fieldsets for name in options["fields"]]
    assert [label for label, _, _ in details.fields] == [
        capfirst(label_for_field(name, TaskRun, run_admin)) for name in declared]
    assert ("Reason", "Lost mailbox") in [(label, value) for label, value, _ in details.fields]


@pytest.mark.parametrize("address", ["javascript:alert(document.cookie)", "JavaScript:alert(1)",
                                     "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)"])
def test_an_address_from_upstream_is_a_link_only_when_it_leads_to_a_web_page(client_as, db, address):
    platform = make_platform(callback_url="https://hooks.example.com/payments")
    delivery = make_callback_delivery(url=address)
    platform_page = read_details(client_as("ops").get(reverse("admin:accounts_platform_change", args=[platform.pk])))
    assert [(value, links) for label, value, links in platform_page.fields if label.lower() == "callback url"] == [
        ("https://hooks.example.com/payments", ["https://hooks.example.com/payments"])]
    delivery_page = read_details(client_as("developer").get(
        reverse("admin:payments_callbackdelivery_change", args=[delivery.pk])))
    [(value, links)] = [(value, links) for label, value, links in delivery_page.fields if label.lower() == "url"]
    assert (value, links) == (address, [])


class ItemWithStateBadgeAdmin(ReadOnlyModelAdmin):
    """An item's page showing its state as a column declared with unfold's `display(label=…)`,
    the way a list declares a badge."""

    fields = ("external_id", "state_badge")

    @display(description="state", label={ItemState.PENDING: "info", ItemState.COMPLETED: "success"})
    def state_badge(self, item):
        return item.state, item.get_state_display()


def test_a_column_declared_as_a_badge_reads_as_its_badge_not_as_a_pair(staff, db):
    item = make_item(state=ItemState.PENDING)
    request = RequestFactory().get("/")
    request.user = staff["lead"]

    response = ItemWithStateBadgeAdmin(Item, admin.site).change_view(request, str(item.pk))
    html = response.render().content.decode()

    assert ("State", item.get_state_display(), []) in read_details(response).fields
    badge = html[html.index("<dt>State</dt>"):]
    assert "bg-blue-100 text-blue-700" in badge[:badge.index("</dd>")]
    assert "(&#x27;" not in html


def test_an_audit_events_outcome_is_its_badge(client_as, db):
    event = record_event("auth.login_failed", outcome=AuditEvent.Outcome.FAILURE, actor_name="mallory")

    response = client_as("lead").get(reverse("admin:audit_auditevent_change", args=[event.pk]))

    assert ("Outcome", "Failure", []) in read_details(response).fields
    outcome = response.content.decode().split("<dt>Outcome</dt>")[1].split("</dd>")[0]
    assert "bg-red-100 text-red-700" in outcome


def test_only_the_detail_page_loads_its_stylesheet(client_as, customer):
    client = client_as("lead")
    assert DETAILS_STYLESHEET in client.get(customer_url(customer)).content.decode()
    assert DETAILS_STYLESHEET not in client.get(reverse("admin:accounts_customer_changelist")).content.decode()
