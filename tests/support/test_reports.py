"""Support reports against hand-computed figures, at a fixed Sydney instant: volume by kind, median
and 90th-percentile business hours to first response and to resolution, self-serve share, SLA
attainment by kind and priority, open-ticket ages, the links to the tickets behind each number, and
the CSV export."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from support.bugs import bug_queue_health
from support.models import Bug, Priority, Ticket, TicketKind
from support.reports import REPORT_DAYS_PROBLEM, support_report
from support.views import REPORT_FORMAT_PROBLEM
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db
SYDNEY = ZoneInfo("Australia/Sydney")
# Friday 27 November 2026, noon in Sydney (AEDT, UTC+11); no NSW public holiday in the weeks used.
NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=SYDNEY)
REPORTS = reverse("support-reports")
TICKET_LIST = reverse("admin:support_ticket_changelist")


def sydney(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SYDNEY)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tickets(frozen):
    ops, normal = TicketKind.EXTERNAL_OPS_PROBLEM, Priority.NORMAL
    resolved, answered = Ticket.Status.RESOLVED, Ticket.Resolution.ANSWERED
    return {
        # Mon 09:00 → 10:00 first response (1 bh), → 15:00 resolved (6 bh). Normal: 8 h / 24 h, both met.
        "t1": new_ticket(kind=ops, priority=normal, created_at=sydney(23, 9), first_responded_at=sydney(23, 10),
                         resolved_at=sydney(23, 15), status=resolved, resolution=Ticket.Resolution.SELF_SERVED),
        # Fri 16:00, over the weekend: → Mon 11:00 is 1 + 2 = 3 bh; → Wed 10:00 is 1 + 8 + 8 + 1 = 18 bh. Both met.
        "t2": new_ticket(kind=ops, priority=normal, created_at=sydney(20, 16), first_responded_at=sydney(23, 11),
                         resolved_at=sydney(25, 10), status=resolved, resolution=answered),
        # Urgent (30 min / 4 h): Tue 09:00 → 17:00 is 8 bh; → Wed 13:00 is 12 bh. Both breached.
        "t3": new_ticket(kind=TicketKind.EXTERNAL_DEV_INQUIRY, priority=Priority.URGENT, created_at=sydney(24, 9),
                         first_responded_at=sydney(24, 17), resolved_at=sydney(25, 13), status=Ticket.Status.CLOSED,
                         resolution=answered),
        # An internal task, no customer affected: no SLA. Wed 09:00 → 11:00 is 2 bh. Open, 2 days 3 h old.
        "t4": new_ticket(kind=TicketKind.INTERNAL_TASK, priority=normal, created_at=sydney(25, 9),
                         first_responded_at=sydney(25, 11), status=Ticket.Status.IN_PROGRESS),
        # Never replied to; Mon 09:00 → Thu 12:00 is 8 + 8 + 8 + 3 = 27 bh: both clocks breached.
        "t6": new_ticket(kind=ops, priority=normal, created_at=sydney(23, 9), resolved_at=sydney(26, 12),
                         status=resolved, resolution=answered),
        # Open tickets by age at Fri 12:00: 4 h; 5 days; 17 days; exactly 1 day (the 1–3 bucket).
        "t7": new_ticket(kind=TicketKind.EXTERNAL_DEV_PROBLEM, created_at=sydney(27, 8)),
        "t8": new_ticket(kind=TicketKind.INTERNAL_OPS_PROBLEM, created_at=sydney(22, 12), status=Ticket.Status.TRIAGED),
        "t9": new_ticket(kind=ops, created_at=sydney(10, 12), status=Ticket.Status.WAITING_ON_REQUESTER),
        "t11": new_ticket(kind=TicketKind.EXTERNAL_DEV_PROBLEM, created_at=sydney(26, 12)),
        # 40 days old and resolved: outside a 30-day window and not open.
        "t10": new_ticket(kind=TicketKind.INTERNAL_TASK, created_at=NOW - datetime.timedelta(days=40),
                          first_responded_at=NOW - datetime.timedelta(days=39),
                          resolved_at=NOW - datetime.timedelta(days=38), status=resolved,
                          resolution=Ticket.Resolution.SELF_SERVED),
    }


def ids(tickets, *names):
    return tuple(sorted(tickets[name].pk for name in names))


def list_url(tickets, *names):
    return f"{TICKET_LIST}?id__in={','.join(str(pk) for pk in ids(tickets, *names))}"


def test_volume_by_kind_counts_the_window(tickets):
    report = support_report(days=30, now=NOW)
    assert {row.kind: row.count for row in report.volume_by_kind} == {
        "internal_task": 1, "internal_ops_problem": 1, "external_ops_problem": 4, "external_dev_inquiry": 1,
        "external_dev_problem": 2,
    }
    assert report.total == 9
    assert sum(sum(counts) for counts in report.weekly_volume.values()) == 9
    assert support_report(days=60, now=NOW).total == 10


def test_times_are_business_hours_with_median_and_90th_percentile(tickets):
    report = support_report(days=30, now=NOW)
    # First response: 1, 2, 3, 8 → median (2 + 3) / 2 = 2.5; nearest rank ⌈0.9 × 4⌉ = 4th → 8.
    assert (report.first_response.median_hours, report.first_response.p90_hours) == (2.5, 8.0)
    assert tuple(sorted(report.first_response.ticket_ids)) == ids(tickets, "t1", "t2", "t3", "t4")
    # Resolution: 6, 12, 18, 27 → median 15; ⌈3.6⌉ = 4th → 27.
    assert (report.resolution.median_hours, report.resolution.p90_hours) == (15.0, 27.0)
    assert tuple(sorted(report.resolution.ticket_ids)) == ids(tickets, "t1", "t2", "t3", "t6")
    assert (report.self_served, report.resolved, report.self_served_percent) == (1, 4, 25.0)


def test_sla_attainment_by_kind_and_priority(tickets):
    rows = {(row.kind, row.priority): row for row in support_report(days=30, now=NOW).sla_attainment}
    # The internal task has no SLA and is open anyway; t10 is outside the window.
    assert set(rows) == {("external_ops_problem", "normal"), ("external_dev_inquiry", "urgent")}
    ops = rows[("external_ops_problem", "normal")]
    assert (ops.finished.value, ops.first_response_met.value, ops.resolution_met.value) == (3, 2, 2)
    assert (ops.first_response_percent, ops.resolution_percent) == (66.7, 66.7)
    assert tuple(sorted(ops.resolution_met.ticket_ids)) == ids(tickets, "t1", "t2")
    urgent = rows[("external_dev_inquiry", "urgent")]
    assert (urgent.finished.value, urgent.first_response_met.value, urgent.resolution_met.value) == (1, 0, 0)
    assert urgent.first_response_met.url is None  # no tickets, nothing to link


def test_open_tickets_by_age(tickets):
    buckets = {bucket.key: tuple(sorted(bucket.figure.ticket_ids))
               for bucket in support_report(days=7, now=NOW).open_ages}
    assert buckets == {
        "under_1": ids(tickets, "t7"),
        "1_to_3": ids(tickets, "t4", "t11"),
        "3_to_7": ids(tickets, "t8"),
        "over_7": ids(tickets, "t9"),  # older than the 7-day window, still counted: ages are of every open ticket
    }


def test_the_page_shows_the_figures_each_linked_to_its_tickets(client_as, tickets):
    page = client_as("engineer").get(REPORTS, {"days": "30"}).content.decode()
    assert f'<a href="{list_url(tickets, "t1", "t2", "t6", "t9")}" class="report-link">4</a>' in page
    assert 'data-type="bar"' in page and "business hours" in page
    measure = page[page.index('data-measure="resolution"'):]
    assert "15.0" in measure and "27.0" in measure
    assert f'<a href="{list_url(tickets, "t1", "t2")}" class="report-link">2</a> (66.7 %)' in page
    assert f'<a href="{list_url(tickets, "t9")}" class="report-link">1</a>' in page


def test_a_link_opens_the_admin_list_of_exactly_those_tickets(client_as, tickets):
    response = client_as("engineer").get(list_url(tickets, "t1", "t2", "t6", "t9"))
    assert response.status_code == 200
    assert sorted(response.context_data["cl"].queryset.values_list("pk", flat=True)) == list(
        ids(tickets, "t1", "t2", "t6", "t9"))


def test_the_tables_export_to_csv(client_as, tickets):
    response = client_as("engineer").get(REPORTS, {"days": "30", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="support-report-30-days-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["table", "row", "measure", "value", "tickets"]
    assert ["volume by kind", "External ops problem", "tickets", "4",
            " ".join(map(str, ids(tickets, "t1", "t2", "t6", "t9")))] in rows
    assert ["response and resolution", "Time to resolution", "p90 business hours", "27.0",
            " ".join(map(str, ids(tickets, "t1", "t2", "t3", "t6")))] in rows
    assert ["sla attainment", "External ops problem / Normal", "resolution met", "2",
            " ".join(map(str, ids(tickets, "t1", "t2")))] in rows
    assert ["open ticket age", "Over 7 days", "tickets", "1", str(tickets["t9"].pk)] in rows


@pytest.mark.parametrize("days", ["abc", "0", "-3", "5000", "1.5"])
def test_a_bad_window_says_what_is_expected(client_as, days):
    response = client_as("engineer").get(REPORTS, {"days": days})
    assert response.status_code == 400
    assert REPORT_DAYS_PROBLEM in response.content.decode()
    assert 'id="report-volume"' not in response.content.decode()


def test_a_bad_format_says_what_is_expected(client_as):
    response = client_as("engineer").get(REPORTS, {"format": "xlsx"})
    assert response.status_code == 400 and REPORT_FORMAT_PROBLEM in response.content.decode()


def test_reports_are_for_the_team(client_as):
    assert client_as("auditor").get(REPORTS).status_code == 200
    assert client_as("auditor").get(REPORTS, {"format": "csv"}).status_code == 200
    assert client_as("nobody").get(REPORTS).status_code == 403
    assert client_as("nobody").get(REPORTS, {"format": "csv"}).status_code == 403


def test_tickets_answered_from_explanations_have_their_own_share(tickets):
    Ticket.objects.filter(pk=tickets["t2"].pk).update(resolution=Ticket.Resolution.EXPLAINED)
    report = support_report(days=30, now=NOW)
    assert (report.explained, report.explained_percent) == (1, 25.0)
    assert report.explained_url == list_url(tickets, "t2")


def test_the_bug_queue_reports_its_attainment_and_age(tickets):
    def bug(days_ago, *, fixed_days_ago=None, target_days=30):
        reported = NOW - datetime.timedelta(days=days_ago)
        created = Bug.objects.create(title="b", steps_to_reproduce="s", expected_behaviour="e", actual_behaviour="a",
                                     severity=Bug.Severity.S2,
                                     fix_due_at=reported + datetime.timedelta(days=target_days))
        fixed_at = NOW - datetime.timedelta(days=fixed_days_ago) if fixed_days_ago is not None else None
        Bug.objects.filter(pk=created.pk).update(created_at=reported, fixed_at=fixed_at,
                                                 status=Bug.Status.FIXED if fixed_at else Bug.Status.OPEN)

    bug(20, fixed_days_ago=18)   # fixed on day 2 of 30: met
    bug(29, target_days=7)       # due 22 days ago, still open: missed
    bug(4)                       # open, 4 days old: on track
    health = bug_queue_health(since=NOW - datetime.timedelta(days=30), now=NOW)
    assert health.by_status == {"met": 1, "missed": 1, "on_track": 1}
    assert (health.attainment_percent, health.open_count, health.median_open_age_days) == (50.0, 2, 16.5)
    assert [row[:2] for row in health.labelled] == [("met", "Met"), ("missed", "Missed"), ("on_track", "On track")]
