"""A ticket's SLA clocks from its records, and the periodic job that marks tickets at risk and
breached. Times are Sydney business hours (09:00–17:00, weekdays); `time_machine` fixes now."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from opsconsole.errors import OpsError
from support.clocks import WAITING_ON_BUG_NEEDS_A_BUG, ticket_clocks
from support.models import Priority, Ticket, TicketKind, TicketPause, TrackerSource
from support.services.clocks import NOT_PAUSED, ticket_resume, ticket_set_status, tickets_refresh_sla
from support.sla import ClockState
from support.tasks import refresh_ticket_slas
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db

SYDNEY = ZoneInfo("Australia/Sydney")
HOUR = 3600


def sydney(day, hour, minute=0) -> datetime.datetime:
    """A moment in March 2026: Monday the 9th is an ordinary working day."""
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=SYDNEY)


MONDAY_OPENING = sydney(9, 9)


def last_change(ticket):
    """The ticket's latest history record by when it was written (travelled dates disagree)."""
    return ticket.history.order_by("-history_id").first()


def opened_monday(**fields) -> Ticket:
    return new_ticket(created_at=MONDAY_OPENING, **fields)


def test_the_periodic_job_marks_at_risk_and_breached_tickets_and_counts_the_changes():
    normal = opened_monday(priority=Priority.NORMAL)  # 8 h to respond, 3 business days to resolve
    urgent = opened_monday(priority=Priority.URGENT)  # 30 min, 4 h
    replied = opened_monday(priority=Priority.NORMAL, first_responded_at=sydney(9, 9, 30))
    internal = opened_monday(kind=TicketKind.INTERNAL_TASK, priority=Priority.URGENT)  # no customer: no SLA

    # 6 h 30 of the 8 h gone: 1 h 30 left, within the last 20 % (1 h 36).
    with time_machine.travel(sydney(9, 15, 30), tick=False):
        assert tickets_refresh_sla() == 3
    for ticket in (normal, urgent, replied, internal):
        ticket.refresh_from_db()
    assert (normal.first_response_sla, normal.resolution_sla) == ("at_risk", "on_track")
    assert (urgent.first_response_sla, urgent.resolution_sla) == ("breached", "breached")
    assert (replied.first_response_sla, replied.resolution_sla) == ("met", "on_track")
    assert (internal.first_response_sla, internal.resolution_sla) == ("on_track", "on_track")
    # Only the ones whose standing changed are written; the history says why.
    assert last_change(urgent).history_change_reason == "SLA clocks refreshed"
    with time_machine.travel(sydney(9, 15, 35), tick=False):
        assert tickets_refresh_sla() == 0


def test_the_evening_and_the_weekend_do_not_count():
    friday_afternoon = new_ticket(priority=Priority.HIGH, created_at=sydney(13, 15))  # 4 h to respond
    # Friday 15:00–17:00 is 2 h; Monday 09:00–10:00 another: 3 h of 4, not yet at risk (48 min left).
    with time_machine.travel(sydney(16, 10), tick=False):
        tickets_refresh_sla()
    friday_afternoon.refresh_from_db()
    assert friday_afternoon.first_response_sla == "on_track"
    with time_machine.travel(sydney(16, 10, 30), tick=False):
        tickets_refresh_sla()
    friday_afternoon.refresh_from_db()
    assert friday_afternoon.first_response_sla == "at_risk"


def test_waiting_on_the_requester_stops_the_clock_until_they_answer(staff):
    ticket = opened_monday(priority=Priority.NORMAL)
    with time_machine.travel(sydney(9, 10), tick=False):
        ticket_set_status(ticket=ticket, status=Ticket.Status.WAITING_ON_REQUESTER, by=staff["engineer"])
    assert ticket.pauses.get().started_at == sydney(9, 10)

    # A day and a half later only the first hour counts: without the pause it would be breached.
    with time_machine.travel(sydney(10, 15, 30), tick=False):
        tickets_refresh_sla()
        clocks = ticket_clocks(ticket=ticket, now=sydney(10, 15, 30))
    ticket.refresh_from_db()
    assert ticket.first_response_sla == "on_track"
    assert clocks.first_response.elapsed_seconds == 1 * HOUR
    assert clocks.first_response.state == ClockState.PAUSED

    with time_machine.travel(sydney(11, 9), tick=False):
        ticket_set_status(ticket=ticket, status=Ticket.Status.IN_PROGRESS, by=staff["engineer"])
    assert ticket.pauses.get().ended_at == sydney(11, 9)
    clocks = ticket_clocks(ticket=ticket, now=sydney(11, 15, 30))
    # 1 h on Monday, then 09:00–15:30 on Wednesday: 7 h 30 of 8, at risk.
    assert clocks.first_response.elapsed_seconds == 7 * HOUR + 30 * 60
    assert clocks.first_response.standing == ClockState.AT_RISK


def test_a_ticket_read_with_its_pauses_counts_the_pause_its_own_change_made(staff):
    # As a list page reads tickets: the pauses prefetched, none yet.
    opened_monday(priority=Priority.NORMAL)
    ticket = Ticket.objects.prefetch_related("pauses").get()
    with time_machine.travel(sydney(9, 10), tick=False):
        ticket_set_status(ticket=ticket, status=Ticket.Status.WAITING_ON_REQUESTER, by=staff["engineer"])
    with time_machine.travel(sydney(10, 15, 30), tick=False):
        ticket_set_status(ticket=ticket, status=Ticket.Status.IN_PROGRESS, by=staff["engineer"])
    ticket.refresh_from_db()
    # Only Monday's first hour counts; without the pause it would be breached.
    assert ticket.first_response_sla == "on_track"


def test_a_status_change_that_cannot_be_saved_opens_no_pause(staff):
    new_ticket(source=TrackerSource.ZENDESK, source_id="4711")
    ticket = new_ticket(source=TrackerSource.ZENDESK, source_id="4712")
    # The ticket's save breaks the one-ticket-per-source-id rule: the whole change must not happen.
    ticket.source_id = "4711"
    with pytest.raises(IntegrityError):
        ticket_set_status(ticket=ticket, status=Ticket.Status.WAITING_ON_REQUESTER, by=staff["engineer"])
    assert not TicketPause.objects.filter(ticket_id=ticket.pk).exists()
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.NEW


def test_resolving_stops_both_clocks_and_records_their_final_standing(staff):
    ticket = opened_monday(priority=Priority.URGENT, first_responded_at=sydney(9, 9, 20))
    with time_machine.travel(sydney(9, 12), tick=False):
        ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, by=staff["engineer"])
    ticket.refresh_from_db()
    assert ticket.resolved_at == sydney(9, 12)
    assert (ticket.first_response_sla, ticket.resolution_sla) == ("met", "met")
    assert last_change(ticket).history_user == staff["engineer"]
    # A resolved ticket is no longer the periodic job's: a week on, it is still met.
    with time_machine.travel(sydney(16, 12), tick=False):
        assert tickets_refresh_sla() == 0

    ticket_set_status(ticket=ticket, status=Ticket.Status.IN_PROGRESS, by=staff["engineer"])
    ticket.refresh_from_db()
    assert ticket.resolved_at is None


def test_resolving_while_waiting_on_the_requester_ends_the_pause(staff):
    ticket = opened_monday()
    with time_machine.travel(sydney(9, 10), tick=False):
        ticket_set_status(ticket=ticket, status=Ticket.Status.WAITING_ON_REQUESTER, by=staff["engineer"])
    with time_machine.travel(sydney(9, 11), tick=False):
        ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, by=staff["engineer"])
    assert ticket.pauses.get().ended_at == sydney(9, 11)


def test_a_bad_status_change_is_refused_and_changes_nothing(staff):
    ticket = opened_monday()
    with pytest.raises(OpsError) as refused:
        ticket_set_status(ticket=ticket, status="on_holiday", by=staff["engineer"])
    assert refused.value.field == "status"
    with pytest.raises(OpsError, match=WAITING_ON_BUG_NEEDS_A_BUG):
        ticket_set_status(ticket=ticket, status=Ticket.Status.WAITING_ON_BUG, by=staff["engineer"])
    with pytest.raises(OpsError) as refused:
        ticket_resume(ticket=ticket)
    assert refused.value.message == NOT_PAUSED.format(reference=ticket.reference)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW and not ticket.pauses.exists()


def test_the_periodic_job_reads_in_a_fixed_number_of_queries():
    def queries_to_refresh(ticket_count: int, day: int) -> int:
        for _ in range(ticket_count):
            new_ticket(priority=Priority.URGENT, created_at=sydney(day, 9))
        with time_machine.travel(sydney(day, 16), tick=False), CaptureQueriesContext(connection) as queries:
            assert tickets_refresh_sla() == ticket_count
        return len(queries)

    assert queries_to_refresh(2, 9) == queries_to_refresh(12, 10)


def test_the_job_runs_every_five_minutes_and_calls_the_service():
    from config.celery import app

    entry = next(entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == refresh_ticket_slas.name)
    assert entry["schedule"] == 5 * 60
    app.loader.import_default_modules()  # what a worker does at start-up: autodiscovery finds the task
    assert entry["task"] in app.tasks

    ticket = opened_monday(priority=Priority.URGENT)
    with time_machine.travel(sydney(9, 10), tick=False):
        assert refresh_ticket_slas() == 1
    ticket.refresh_from_db()
    assert ticket.first_response_sla == "breached"
