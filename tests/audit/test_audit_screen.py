"""The audit trail screen: each entry with the six PCI DSS 10.2.2 fields, filters that narrow it,
open to the lead and the auditor only, read-only even for a superuser, and a task run's entry
leading to the field-by-field history of what it changed."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from audit.admin import NO_SUCH_KIND
from audit.models import AuditEvent
from audit.services.recording import record_event
from opsconsole.keyset_pagination import KeysetChangeList
from payments.models import Item
from tests.audit.test_trail import change_email
from tests.factories import make_customer
from tests.test_admin_access import sidebar_links

AUDIT_LIST = "/audit/auditevent/"


def at(day: int, hour: int):
    return time_machine.travel(datetime(2026, 3, day, hour, tzinfo=UTC), tick=False)


@pytest.fixture
def trail(staff):
    """A change-email run on 2 March, a failed sign-in on 5 March and a high-risk request on
    9 March, by name."""
    with at(1, 9):
        customer = make_customer(email="old@example.com")
    with at(2, 9):
        run = change_email(staff["ops"], customer)
    requested, succeeded = AuditEvent.objects.filter(task_run=run).order_by("id")
    with at(5, 14):
        failed = record_event(AuditEvent.Action.LOGIN_FAILED, outcome=AuditEvent.Outcome.FAILURE,
                              actor_name="mallory", ip_address="198.51.100.7", source=AuditEvent.Source.WEB,
                              summary="Wrong username or password for 'mallory'")
    with at(9, 11):
        risky = record_event(AuditEvent.Action.TASK_REQUESTED, actor=staff["lead"], source=AuditEvent.Source.CLI,
                             object_type=ContentType.objects.get_for_model(Item), object_id="90001",
                             object_repr="Item 90001", task_slug="release-risk-hold", high_risk=True,
                             summary="Release from risk review: buyer verified")
    return {"customer": customer, "run": run, "requested": requested, "succeeded": succeeded,
            "failed": failed, "risky": risky}


def listed(response) -> set[int]:
    assert response.status_code == 200
    return {event.pk for event in response.context["cl"].result_list}


def test_each_entry_shows_who_what_when_where_from_outcome_and_object(client_as, trail):
    response = client_as("auditor").get(AUDIT_LIST)
    page = response.content.decode()
    assert {trail[name].pk for name in ("requested", "succeeded", "failed", "risky")} <= listed(response)
    customer, run = trail["customer"], trail["run"]
    for shown in ("mallory", "ops", "Sign-in failed", "Task succeeded", "198.51.100.7", "203.0.113.9",
                  "Failure", "Success", "Command line", "2 Mar 2026", "5 Mar 2026"):
        assert shown in page, shown
    assert reverse("admin:accounts_customer_change", args=[customer.pk]) in page
    assert reverse("admin:opsconsole_taskrun_change", args=[run.pk]) in page


def test_the_detail_page_shows_the_six_fields_and_the_hashes(client_as, trail):
    failed = trail["failed"]
    page = client_as("lead").get(f"{AUDIT_LIST}{failed.pk}/change/").content.decode()
    for heading in ("Who", "What", "When", "Where from", "Success or failure", "Object affected",
                    "Tamper evidence"):
        assert heading in page
    for shown in ("mallory", "Sign-in failed", "5 Mar 2026", "198.51.100.7", "Failure", failed.record_hash,
                  failed.previous_hash):
        assert shown in page, shown


@pytest.mark.parametrize(("query", "expected"), [
    ({"person": "mallory"}, {"failed"}),
    ({"person": "ops"}, {"requested", "succeeded"}),
    ({"action__exact": "auth.login_failed"}, {"failed"}),
    ({"task": "change-email"}, {"requested", "succeeded"}),
    ({"object_type": "customer"}, {"requested", "succeeded"}),
    ({"object_type": " Customers "}, {"requested", "succeeded"}),
    ({"object_type": "customer id"}, {"requested", "succeeded"}),
    ({"object_type": "ITEM", "task": "release-risk-hold"}, {"risky"}),
    ({"object_id": "90001"}, {"risky"}),
    ({"outcome__exact": "failure"}, {"failed"}),
    ({"high_risk__exact": "1"}, {"risky"}),
    ({"source__exact": "cli"}, {"risky"}),
    ({"occurred_at_from_0": "2026-03-04", "occurred_at_from_1": "00:00",
      "occurred_at_to_0": "2026-03-06", "occurred_at_to_1": "00:00"}, {"failed"}),
    ({"occurred_at_from_0": "2026-03-01", "occurred_at_from_1": "00:00",
      "occurred_at_to_0": "2026-03-10", "occurred_at_to_1": "00:00", "task": "release-risk-hold"}, {"risky"}),
    # As the date picker writes them in en-gb: day first.
    ({"occurred_at_from_0": "04/03/2026", "occurred_at_from_1": "00:00:00",
      "occurred_at_to_0": "05/03/2026", "occurred_at_to_1": "23:00:00"}, {"failed"}),
    ({"occurred_at_from_0": "09/03/2026"}, {"risky", "signed_in"}),
    ({"occurred_at_to_0": "02/03/2026"}, {"requested", "succeeded"}),
    ({"q": "mallory"}, {"failed"}),
    ({"q": "buyer verified"}, {"risky"}),
])
def test_each_filter_narrows_the_list(client_as, trail, query, expected):
    if query.get("object_type") == "customer id":  # as links made before the box was typed in carry it
        query = {"object_type": str(ContentType.objects.get_for_model(trail["customer"]).pk)}
    client = client_as("auditor")
    trail["signed_in"] = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN, actor_name="auditor")
    assert listed(client.get(AUDIT_LIST, query)) == {trail[name].pk for name in expected}


def test_an_object_type_no_record_is_called_is_named_and_limits_nothing(client_as, trail):
    response = client_as("auditor").get(AUDIT_LIST, {"object_type": "custmer"})
    assert {trail["failed"].pk, trail["requested"].pk} <= listed(response)
    assert escape(NO_SUCH_KIND.format(typed="custmer")) in response.content.decode()


def test_the_object_type_is_typed_not_picked_from_every_kind_of_record(client_as, trail):
    page = client_as("auditor").get(AUDIT_LIST).content.decode()
    assert 'name="object_type"' in page and '<select name="object_type"' not in page


def test_a_date_that_cannot_be_read_is_named_and_limits_nothing(client_as, trail):
    response = client_as("auditor").get(AUDIT_LIST, {"occurred_at_from_0": "31/02/2026", "occurred_at_from_1": "10:00"})
    assert trail["failed"].pk in listed(response) and trail["requested"].pk in listed(response)
    assert "Occurred at from “31/02/2026 10:00”: Enter a valid date." in response.content.decode()


def test_the_list_never_counts_the_whole_trail(client_as, trail):
    client = client_as("auditor")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(AUDIT_LIST, {"_facets": "1"})
    assert not response.context["cl"].add_facets
    assert [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper()] == []
    assert isinstance(response.context["cl"], KeysetChangeList)


@pytest.mark.parametrize(("person", "status"), [
    ("auditor", 200), ("lead", 200), ("root", 200),
    ("ops", 403), ("engineer", 403), ("developer", 403), ("nobody", 403),
])
def test_only_the_lead_and_the_auditor_open_the_trail(client_as, trail, person, status):
    client = client_as(person)
    assert client.get(AUDIT_LIST).status_code == status
    assert client.get(f"{AUDIT_LIST}{trail['failed'].pk}/change/").status_code == status


def test_a_superuser_cannot_change_or_delete_an_event_through_the_admin(client_as, trail):
    event = trail["failed"]
    root = client_as("root")
    change_url, delete_url = f"{AUDIT_LIST}{event.pk}/change/", f"{AUDIT_LIST}{event.pk}/delete/"

    page = root.get(change_url)
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    assert 'name="summary"' not in page.content.decode() and 'name="_save"' not in page.content.decode()
    assert root.post(change_url, {"summary": "nothing happened", "outcome": "success"}).status_code == 403
    assert root.get(delete_url).status_code == 403
    assert root.post(delete_url, {"post": "yes"}).status_code == 403
    assert root.get(f"{AUDIT_LIST}add/").status_code == 403
    root.post(AUDIT_LIST, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.summary, stored.outcome, stored.record_hash) == (event.summary, "failure", event.record_hash)


def test_a_task_runs_entry_leads_to_the_field_by_field_history_of_its_object(client_as, trail):
    customer, run, succeeded = trail["customer"], trail["run"], trail["succeeded"]
    lead = client_as("lead")
    history_url = reverse("admin:accounts_customer_history", args=[customer.pk])

    entry = lead.get(f"{AUDIT_LIST}{succeeded.pk}/change/").content.decode()
    assert history_url in entry
    assert reverse("admin:opsconsole_taskrun_change", args=[run.pk]) in entry

    history = lead.get(history_url)
    assert history.status_code == 200
    page = history.content.decode()
    assert escape(f"Task run #{run.pk}: {run.task_title}") in page
    assert "old@example.com" in page and "new@example.com" in page
    assert "ops" in page  # the person behind the run


def test_an_entry_without_history_or_run_says_so_instead_of_linking(client_as, trail):
    page = client_as("auditor").get(f"{AUDIT_LIST}{trail['failed'].pk}/change/").content.decode()
    assert "/history/" not in page.split("Object affected", 1)[1]


@pytest.mark.parametrize(("person", "shown"), [
    ("auditor", True), ("lead", True), ("ops", False), ("engineer", False), ("developer", False), ("nobody", False),
])
def test_the_sidebar_offers_the_audit_screens_to_the_people_who_may_open_them(client_as, person, shown):
    links = sidebar_links(client_as(person))
    expected = {"Audit trail": AUDIT_LIST, "Chain checks": "/audit/auditverification/",
                "Archives": "/audit/auditarchive/"}
    assert {title: links.get(title) for title in expected} == (expected if shown else dict.fromkeys(expected))


def test_the_list_runs_the_same_queries_for_a_page_of_many_entries_as_for_a_few(client_as, trail, staff):
    client = client_as("auditor")

    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(AUDIT_LIST).status_code == 200
        return len(captured.captured_queries)

    queries_for_the_list()  # fills the caches a first visit fills (content types, the session)
    few = queries_for_the_list()
    for number in range(30):
        record_event(AuditEvent.Action.TASK_SUCCEEDED, actor=staff["ops"], task_run=trail["run"],
                     target=make_customer(), summary=f"Change number {number}")
    assert queries_for_the_list() == few
