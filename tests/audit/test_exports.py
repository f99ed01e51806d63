"""Every export leaves its own entry on the audit trail: the audit trail's CSV and JSON (honouring
the screen's filters), the support team's ticket, note and bug exports, and the reports CSV. Only
people who may see the records may export them; a refused export is on the trail too."""

import csv
import io
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from audit.services.recording import record_event
from support.models import Bug, Ticket, TicketMessage
from tests.conftest import sign_in_verified
from tests.support.test_tickets import new_ticket

AUDIT_EXPORT = reverse("admin:audit_auditevent_export")
CSV_FORMAT, JSON_FORMAT = "0", "1"  # the audit screen offers CSV then JSON
ADDRESS = "192.0.2.44"


@pytest.fixture
def events(db):
    failed = [record_event(AuditEvent.Action.LOGIN_FAILED, outcome=AuditEvent.Outcome.FAILURE, actor_name="mallory",
                           ip_address="198.51.100.7", summary=f"Wrong password, attempt {attempt}")
              for attempt in (1, 2)]
    other = record_event(AuditEvent.Action.LOGOUT, actor_name="someone", summary="Signed out")
    return {"failed": failed, "other": other}


def signed_in(staff, username: str) -> Client:
    return sign_in_verified(Client(REMOTE_ADDR=ADDRESS), staff[username])


def exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("id"))


def export_format(admin_url: str, client: Client, title: str) -> str:
    """The export form's value for a format, from the form itself."""
    form = client.get(admin_url).context["form"]
    return next(value for value, label in form.fields["format"].choices if str(label).lower() == title)


def test_the_audit_trail_exports_to_csv_with_the_screens_filters_and_records_it(staff, events):
    response = signed_in(staff, "auditor").post(f"{AUDIT_EXPORT}?person=mallory", {"format": CSV_FORMAT})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(row["summary"] for row in rows) == ["Wrong password, attempt 1", "Wrong password, attempt 2"]
    assert {(row["actor_name"], row["ip_address"], row["outcome"]) for row in rows} == {
        ("mallory", "198.51.100.7", "failure")}
    assert rows[0]["record_hash"] in {event.record_hash for event in events["failed"]}

    [export] = exports()
    assert (export.actor, export.actor_name, export.ip_address, export.outcome) == (
        staff["auditor"], "auditor", ADDRESS, AuditEvent.Outcome.SUCCESS)
    assert export.object_type == ContentType.objects.get_for_model(AuditEvent)
    assert export.details["model"] == "audit.auditevent"
    assert (export.details["format"], export.details["rows"]) == ("csv", 2)
    assert "person=mallory" in export.details["filters"]


def test_the_audit_trail_exports_to_json_and_records_it(staff, events):
    response = signed_in(staff, "lead").post(f"{AUDIT_EXPORT}?outcome__exact=failure", {"format": JSON_FORMAT})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    rows = json.loads(response.content)
    assert {row["id"] for row in rows} == {str(event.pk) for event in events["failed"]}
    [export] = exports()
    assert (export.actor, export.details["format"], export.details["rows"]) == (staff["lead"], "json", 2)


@pytest.mark.parametrize("person", ["ops", "engineer", "developer", "nobody"])
def test_people_without_the_audit_trail_cannot_export_it_and_the_attempt_is_recorded(staff, events, person):
    response = signed_in(staff, person).post(AUDIT_EXPORT, {"format": CSV_FORMAT})
    assert response.status_code == 403
    [refused] = exports()
    assert (refused.actor, refused.outcome, refused.ip_address) == (staff[person], AuditEvent.Outcome.FAILURE, ADDRESS)
    assert "refused" in refused.summary


@pytest.mark.parametrize(("model", "make"), [
    (Ticket, lambda staff: new_ticket(subject="Card declined")),
    (TicketMessage, lambda staff: TicketMessage.objects.create(
        ticket=new_ticket(), author=staff["engineer"], visibility=TicketMessage.Visibility.INTERNAL, body="Checked")),
    (Bug, lambda staff: Bug.objects.create(title="SDK crash", severity=Bug.Severity.S2,
                                           fix_due_at="2030-01-01T00:00Z")),
])
def test_each_support_export_is_recorded(staff, model, make):
    make(staff)
    url = reverse(f"admin:support_{model._meta.model_name}_export")
    client = signed_in(staff, "engineer")
    response = client.post(url, {"format": export_format(url, client, "csv")})
    assert response.status_code == 200
    exported_rows = len(list(csv.DictReader(io.StringIO(response.content.decode()))))
    [export] = exports()
    assert (export.actor, export.ip_address, export.outcome) == (staff["engineer"], ADDRESS, "success")
    assert export.object_type == ContentType.objects.get_for_model(model)
    assert export.details == {"model": model._meta.label_lower, "format": "csv", "rows": exported_rows,
                              "filters": ""}
    assert exported_rows >= 1


def test_a_staff_member_without_support_access_can_neither_export_nor_import_tickets(staff):
    new_ticket()
    client = signed_in(staff, "nobody")
    assert client.post(reverse("admin:support_ticket_export"), {"format": "0"}).status_code == 403
    upload = SimpleUploadedFile("tickets.csv", b"reference,subject\nZD-1,Hello\n", content_type="text/csv")
    assert client.post(reverse("admin:support_ticket_import"),
                       {"resource": "0", "format": "0", "import_file": upload}).status_code == 403
    [refused] = exports()
    assert (refused.actor, refused.outcome, refused.details["model"]) == (staff["nobody"], "failure", "support.ticket")


def test_the_support_reports_csv_is_recorded(staff):
    new_ticket()
    response = signed_in(staff, "engineer").get(reverse("support-reports"), {"days": "30", "format": "csv"})
    assert response.status_code == 200
    data_rows = len(list(csv.reader(io.StringIO(response.content.decode())))) - 1
    [export] = exports()
    assert (export.actor, export.ip_address, export.outcome) == (staff["engineer"], ADDRESS, "success")
    assert export.object_type == ContentType.objects.get_for_model(Ticket)
    assert (export.details["model"], export.details["format"], export.details["rows"]) == (
        "support.ticket", "csv", data_rows)
    assert "days=30" in export.details["filters"] and "support report over 30 days" in export.summary


def test_viewing_the_reports_page_is_not_an_export(staff):
    assert signed_in(staff, "engineer").get(reverse("support-reports"), {"days": "30"}).status_code == 200
    assert exports() == []


# Every start of a cell that a spreadsheet runs as a formula (OWASP's CSV injection rule).
FORMULAS = ["=HYPERLINK(\"http://example.com\")", "+1+1", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1"]


def exported_rows(response, file_format: str) -> list[dict]:
    text = response.content.decode()
    return json.loads(text) if file_format == "json" else list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_the_audit_trail_export_writes_what_an_outsider_typed_as_text_not_formulas(staff, db, file_format):
    for formula in FORMULAS:  # a failed sign-in: the username and the browser are the attacker's
        record_event(AuditEvent.Action.LOGIN_FAILED, outcome=AuditEvent.Outcome.FAILURE, actor_name=formula,
                     user_agent=formula, summary="Wrong password")
    response = signed_in(staff, "auditor").post(
        f"{AUDIT_EXPORT}?outcome__exact=failure", {"format": CSV_FORMAT if file_format == "csv" else JSON_FORMAT})
    rows = exported_rows(response, file_format)
    assert sorted(row["actor_name"] for row in rows) == sorted(f"'{formula}" for formula in FORMULAS)
    assert sorted(row["user_agent"] for row in rows) == sorted(f"'{formula}" for formula in FORMULAS)
    assert {row["summary"] for row in rows} == {"Wrong password"}  # plain text is left as it is


@pytest.mark.parametrize(("model", "field", "make"), [
    (Ticket, "subject", lambda staff, text: new_ticket(subject=text)),
    (TicketMessage, "body", lambda staff, text: TicketMessage.objects.create(
        ticket=new_ticket(), author=staff["engineer"], visibility=TicketMessage.Visibility.INTERNAL, body=text)),
    (Bug, "title", lambda staff, text: Bug.objects.create(title=text, severity=Bug.Severity.S2,
                                                          fix_due_at="2030-01-01T00:00Z")),
])
def test_support_exports_write_formulas_as_text(staff, model, field, make):
    for formula in FORMULAS:
        make(staff, formula)
    url = reverse(f"admin:support_{model._meta.model_name}_export")
    client = signed_in(staff, "engineer")
    response = client.post(url, {"format": export_format(url, client, "csv")})
    assert sorted(row[field] for row in exported_rows(response, "csv")) == sorted(f"'{formula}" for formula in FORMULAS)

