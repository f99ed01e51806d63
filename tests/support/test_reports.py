"""Support reports against hand-computed figures: volume by kind, median times to first response
and to resolution (wall-clock hours), and the share resolved by self-serve task runs."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from support.models import Ticket, TicketKind
from support.selectors import REPORT_DAYS_PROBLEM, support_report
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db
NOW = timezone.now()
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
REPORTS = reverse("support-reports")


@pytest.fixture
def tickets():
    created = NOW - 10 * DAY
    return [
        # Responded after 1, 3 and 8 hours: median 3. Resolved after 10, 30 hours: median 20.
        new_ticket(kind=TicketKind.EXTERNAL_OPS_PROBLEM, created_at=created, first_responded_at=created + HOUR,
                   resolved_at=created + 10 * HOUR, status=Ticket.Status.RESOLVED,
                   resolution=Ticket.Resolution.SELF_SERVED),
        new_ticket(kind=TicketKind.EXTERNAL_OPS_PROBLEM, created_at=created, first_responded_at=created + 3 * HOUR,
                   resolved_at=created + 30 * HOUR, status=Ticket.Status.RESOLVED,
                   resolution=Ticket.Resolution.ANSWERED),
        new_ticket(kind=TicketKind.EXTERNAL_DEV_INQUIRY, created_at=created, first_responded_at=created + 8 * HOUR),
        new_ticket(kind=TicketKind.INTERNAL_TASK, created_at=created),
        # Outside a 30-day window.
        new_ticket(kind=TicketKind.INTERNAL_TASK, created_at=NOW - 40 * DAY, first_responded_at=NOW - 39 * DAY,
                   resolved_at=NOW - 38 * DAY, status=Ticket.Status.RESOLVED, resolution=Ticket.Resolution.SELF_SERVED),
    ]


def test_the_figures_for_the_last_thirty_days(tickets):
    report = support_report(days=30, now=NOW)
    assert {row.kind: row.count for row in report.volume_by_kind} == {
        "internal_task": 1, "internal_ops_problem": 0, "external_ops_problem": 2, "external_dev_inquiry": 1,
        "external_dev_problem": 0,
    }
    assert report.total == 4
    assert (report.median_first_response_hours, report.first_responded) == (3.0, 3)
    assert (report.median_resolution_hours, report.resolved) == (20.0, 2)
    assert (report.self_served, report.self_served_percent) == (1, 50.0)
    assert sum(sum(counts) for counts in report.weekly_volume.values()) == 4


def test_a_longer_window_takes_in_the_older_ticket(tickets):
    report = support_report(days=60, now=NOW)
    assert report.total == 5 and (report.self_served, report.resolved) == (2, 3)


def test_the_page_shows_the_figures_and_its_chart(client_as, tickets):
    page = client_as("engineer").get(REPORTS, {"days": "30"}).content.decode()
    assert '<tr data-kind="external_ops_problem"><td>External ops problem</td><td class="report-num">2</td></tr>' in page
    assert "20.0" in page and "1 of 2" in page and "50.0 %" in page
    assert 'data-type="bar"' in page and "wall-clock hours" in page


@pytest.mark.parametrize("days", ["abc", "0", "-3", "5000", "1.5"])
def test_a_bad_window_says_what_is_expected(client_as, days):
    response = client_as("engineer").get(REPORTS, {"days": days})
    assert response.status_code == 200
    assert REPORT_DAYS_PROBLEM in response.content.decode()
    assert 'id="report-volume"' not in response.content.decode()


def test_reports_are_for_the_team(client_as):
    assert client_as("auditor").get(REPORTS).status_code == 200
    assert client_as("nobody").get(REPORTS).status_code == 403
