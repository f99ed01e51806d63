"""The weekly on-duty rota: new tickets default to the person on duty, escalation goes to the
week's lead, and a swap of duty is recorded."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from opsconsole.errors import OpsError
from support.models import Priority, RotaSwap, RotaWeek
from support.rota import rota_on_duty, ticket_default_assignee
from support.services.rota import (
    NO_ROTA_WEEK,
    NOT_ALLOWED_TO_SWAP,
    SWAP_NEEDS_REASON,
    SWAP_TO_NON_WORKER,
    SWAP_TO_SAME_PERSON,
    rota_swap,
    ticket_escalate,
)
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db

SYDNEY = ZoneInfo("Australia/Sydney")
MONDAY = datetime.date(2026, 3, 9)
# Sunday evening in Sydney is still Sunday morning in UTC: the team's week, not UTC's, decides.
SUNDAY_EVENING = datetime.datetime(2026, 3, 15, 20, 0, tzinfo=SYDNEY)
NEXT_MONDAY_MORNING = datetime.datetime(2026, 3, 16, 8, 0, tzinfo=SYDNEY)


@pytest.fixture
def week(staff) -> RotaWeek:
    return RotaWeek.objects.create(week_starting=MONDAY, on_duty=staff["engineer"], lead=staff["lead"])


def test_the_person_on_duty_is_the_weeks(week, staff):
    assert rota_on_duty(on=MONDAY + datetime.timedelta(days=3)) == staff["engineer"]
    assert ticket_default_assignee(on=SUNDAY_EVENING) == staff["engineer"]
    assert ticket_default_assignee(on=NEXT_MONDAY_MORNING) is None  # no rota that week


def test_a_new_ticket_without_an_assignee_goes_to_the_person_on_duty(week, staff):
    assert new_ticket(created_at=SUNDAY_EVENING).assignee == staff["engineer"]
    assert new_ticket(created_at=SUNDAY_EVENING, assignee=staff["ops"]).assignee == staff["ops"]
    assert new_ticket(created_at=NEXT_MONDAY_MORNING).assignee is None


def test_escalation_goes_to_the_weeks_lead_and_raises_the_priority(week, staff):
    normal = new_ticket(priority=Priority.NORMAL, created_at=SUNDAY_EVENING)
    urgent = new_ticket(priority=Priority.URGENT, created_at=SUNDAY_EVENING, assignee=staff["ops"])
    with time_machine.travel(SUNDAY_EVENING, tick=False):
        ticket_escalate(ticket=normal, by=staff["engineer"])
        ticket_escalate(ticket=urgent, by=staff["engineer"])
    normal.refresh_from_db()
    urgent.refresh_from_db()
    assert (normal.assignee, normal.priority) == (staff["lead"], "high")
    assert (urgent.assignee, urgent.priority) == (staff["lead"], "urgent")  # never lowered


def test_escalation_without_a_rota_week_is_refused(week, staff):
    ticket = new_ticket(created_at=NEXT_MONDAY_MORNING, assignee=staff["ops"])
    with time_machine.travel(NEXT_MONDAY_MORNING, tick=False), pytest.raises(OpsError) as refused:
        ticket_escalate(ticket=ticket, by=staff["engineer"])
    assert refused.value.message == NO_ROTA_WEEK.format(monday=datetime.date(2026, 3, 16))
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.priority) == (staff["ops"], "normal")


def test_a_swap_changes_who_is_on_duty_and_is_recorded(week, staff):
    swap = rota_swap(week=week, new_on_duty=staff["ops"], reason="Engineer on leave Thursday", by=staff["lead"])
    week.refresh_from_db()
    assert week.on_duty == staff["ops"]
    assert (swap.previous_on_duty, swap.new_on_duty, swap.swapped_by, swap.reason) == (
        staff["engineer"], staff["ops"], staff["lead"], "Engineer on leave Thursday")
    assert new_ticket(created_at=SUNDAY_EVENING).assignee == staff["ops"]
    assert week.history.order_by("-history_id").first().history_user == staff["lead"]


def test_a_bad_swap_is_refused_and_records_nothing(week, staff):
    for arguments, message in [
        ({"reason": " "}, SWAP_NEEDS_REASON),
        ({"new_on_duty": staff["engineer"]}, SWAP_TO_SAME_PERSON.format(name="engineer")),
        ({"new_on_duty": staff["auditor"]}, SWAP_TO_NON_WORKER.format(name="auditor")),
        ({"by": staff["engineer"]}, NOT_ALLOWED_TO_SWAP),
    ]:
        with pytest.raises(OpsError) as refused:
            rota_swap(**{"week": week, "new_on_duty": staff["ops"], "reason": "Leave", "by": staff["lead"],
                         **arguments})
        assert refused.value.message == message
    week.refresh_from_db()
    assert week.on_duty == staff["engineer"] and not RotaSwap.objects.exists()
