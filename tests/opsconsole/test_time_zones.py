"""One zone for people, named wherever a moment is shown: lists and pages show the console's zone
(DJANGO_TIME_ZONE, the team's), with UTC on hover in lists, and exports write the UTC offset."""

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from import_export.widgets import DateTimeWidget

from audit.models import AuditEvent
from audit.services.recording import record_event
from tests.audit.test_exports import AUDIT_EXPORT, CSV_FORMAT

pytestmark = pytest.mark.django_db
MOMENT = datetime.datetime(2026, 3, 5, 3, 30, tzinfo=datetime.UTC)  # 2:30 p.m. in Sydney (AEDT)


@pytest.fixture
def sydney_team(settings):
    settings.TIME_ZONE = "Australia/Sydney"


@pytest.fixture
def event():
    with time_machine.travel(MOMENT, tick=False):
        return record_event(AuditEvent.Action.EXPORT, actor_name="auditor", summary="an export")


def test_a_list_shows_moments_in_the_teams_zone_named_and_utc_on_hover(sydney_team, event, client_as):
    page = client_as("auditor").get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert '<time title="2026-03-05 03:30 UTC">5 Mar 2026, 2:30 p.m. AEDT</time>' in page


def test_a_detail_page_names_the_zone(sydney_team, event, client_as):
    page = client_as("auditor").get(reverse("admin:audit_auditevent_change", args=[event.pk])).content.decode()
    assert "5 Mar 2026, 2:30 p.m. AEDT" in page


def test_exports_write_moments_with_their_zone(sydney_team, event, client_as):
    response = client_as("auditor").post(AUDIT_EXPORT, {"format": CSV_FORMAT})
    [row] = [row for row in csv.DictReader(io.StringIO(response.content.decode())) if row["summary"] == "an export"]
    assert row["occurred_at"] == "2026-03-05T03:30:00+00:00"  # the audit trail's own export: UTC
    widget = DateTimeWidget()  # every other export's moments
    assert widget.render(MOMENT) == "2026-03-05 14:30:00+1100"
