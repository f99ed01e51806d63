"""SLA targets and clocks in the support calendar's business time (09:00–17:00 Sydney, weekdays,
NSW public holidays off). `now` is passed in, so no clock needs freezing."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from support.sla import SLA_TARGETS, ClockState, SlaTarget, sla_clock, sla_target_for

SYDNEY = ZoneInfo("Australia/Sydney")
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
SECOND = datetime.timedelta(seconds=1)

KINDS = ["internal_task", "internal_ops_problem", "external_ops_problem", "external_dev_inquiry",
         "external_dev_problem"]
PRIORITIES = ["urgent", "high", "normal", "low"]


def sydney(year, month, day, hour=0, minute=0, second=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=SYDNEY)


# Monday 9 March 2026, an ordinary working day.
MONDAY_OPENING = sydney(2026, 3, 9, 9)


def test_every_kind_and_priority_has_targets():
    assert set(SLA_TARGETS) == {(kind, priority) for kind in KINDS for priority in PRIORITIES}


@pytest.mark.parametrize(
    ("priority", "first_response", "resolution"),
    [
        ("urgent", 30 * MINUTE, 4 * HOUR),
        ("high", 4 * HOUR, 8 * HOUR),  # 1 business day of 09:00–17:00
        ("normal", 8 * HOUR, 24 * HOUR),  # 3 business days
        ("low", 24 * HOUR, 40 * HOUR),  # 5 business days
    ],
)
def test_targets_of_the_issue_in_business_time(priority, first_response, resolution):
    expected = SlaTarget(first_response=first_response, resolution=resolution)
    for kind in KINDS[1:]:
        assert SLA_TARGETS[(kind, priority)] == expected, kind


def test_an_internal_task_has_24_hours_to_respond_only_when_a_customer_is_affected():
    for priority in PRIORITIES:
        target = sla_target_for(kind="internal_task", priority=priority, customer_affected=True)
        assert target.first_response == 24 * HOUR
        assert sla_target_for(kind="internal_task", priority=priority, customer_affected=False) is None
    assert sla_target_for(kind="external_dev_problem", priority="urgent", customer_affected=False) is not None


def test_urgent_ticket_late_on_friday_is_due_on_monday_morning():
    created = sydney(2026, 3, 6, 16, 50)  # Friday
    clock = sla_clock(target=30 * MINUTE, started_at=created, now=created, paused_intervals=[])
    assert clock.due_at == sydney(2026, 3, 9, 9, 20)
    assert clock.state == ClockState.ON_TRACK
    assert clock.remaining_seconds == 30 * 60


def test_urgent_ticket_late_on_friday_before_a_holiday_is_due_on_tuesday_morning():
    created = sydney(2026, 6, 5, 16, 50)  # Friday; Monday 8 June 2026 is the King's Birthday
    clock = sla_clock(target=30 * MINUTE, started_at=created, now=created, paused_intervals=[])
    assert clock.due_at == sydney(2026, 6, 9, 9, 20)


def test_a_clock_keeps_running_over_a_night_only_in_working_hours():
    created = sydney(2026, 3, 9, 16, 50)
    clock = sla_clock(target=30 * MINUTE, started_at=created, now=sydney(2026, 3, 10, 9, 21), paused_intervals=[])
    assert clock.elapsed_seconds == 31 * 60
    assert clock.state == ClockState.BREACHED
    assert clock.due_at == sydney(2026, 3, 10, 9, 20)


def test_a_pause_while_waiting_on_the_requester_stops_the_clock():
    clock = sla_clock(
        target=4 * HOUR,
        started_at=MONDAY_OPENING,
        now=sydney(2026, 3, 9, 14),
        paused_intervals=[(sydney(2026, 3, 9, 10), sydney(2026, 3, 9, 12))],
    )
    assert clock.elapsed_seconds == 3 * 3600  # 5 h less the 2 h paused; unpaused it would be breached
    assert clock.remaining_seconds == 3600
    assert clock.state == ClockState.ON_TRACK
    assert clock.due_at == sydney(2026, 3, 9, 15)


def test_an_open_pause_runs_to_now_and_the_due_time_assumes_it_ends_now():
    clock = sla_clock(
        target=4 * HOUR,
        started_at=MONDAY_OPENING,
        now=sydney(2026, 3, 9, 14),
        paused_intervals=[(sydney(2026, 3, 9, 10), None)],
    )
    assert clock.elapsed_seconds == 3600
    assert clock.state == ClockState.PAUSED
    assert clock.standing == ClockState.ON_TRACK
    assert clock.due_at == sydney(2026, 3, 9, 17)  # 3 h left from 14:00


def test_a_paused_clock_still_reports_a_breach_underneath():
    clock = sla_clock(
        target=30 * MINUTE,
        started_at=MONDAY_OPENING,
        now=sydney(2026, 3, 9, 14),
        paused_intervals=[(sydney(2026, 3, 9, 10), None)],
    )
    assert clock.state == ClockState.PAUSED
    assert clock.standing == ClockState.BREACHED
    assert clock.due_at == sydney(2026, 3, 9, 9, 30)  # when it was breached, before the pause


def test_overlapping_pauses_and_pauses_outside_the_clock_are_not_counted_twice():
    clock = sla_clock(
        target=8 * HOUR,
        started_at=MONDAY_OPENING,
        now=sydney(2026, 3, 9, 16),
        paused_intervals=[
            (sydney(2026, 3, 9, 10, 30), sydney(2026, 3, 9, 12)),
            (sydney(2026, 3, 6, 10), sydney(2026, 3, 6, 11)),  # the Friday before it started
            (sydney(2026, 3, 9, 10), sydney(2026, 3, 9, 11)),
        ],
    )
    assert clock.elapsed_seconds == 5 * 3600  # 7 h less 10:00–12:00


def test_a_breach_during_an_earlier_running_span_is_dated_then():
    clock = sla_clock(
        target=HOUR,
        started_at=MONDAY_OPENING,
        now=sydney(2026, 3, 9, 11),
        paused_intervals=[(sydney(2026, 3, 9, 9, 30), sydney(2026, 3, 9, 10))],
    )
    assert clock.state == ClockState.BREACHED
    assert clock.due_at == sydney(2026, 3, 9, 10, 30)


@pytest.mark.parametrize(
    ("now", "state", "remaining"),
    [
        (MONDAY_OPENING + 24 * MINUTE - SECOND, ClockState.ON_TRACK, 6 * 60 + 1),
        (MONDAY_OPENING + 24 * MINUTE, ClockState.AT_RISK, 6 * 60),  # 80 % elapsed
        (MONDAY_OPENING + 30 * MINUTE, ClockState.AT_RISK, 0),  # due now, not yet late
        (MONDAY_OPENING + 30 * MINUTE + SECOND, ClockState.BREACHED, -1),
    ],
    ids=["under-80-percent", "at-80-percent", "at-due", "after-due"],
)
def test_a_running_clock_is_at_risk_from_80_percent_and_breached_after_its_target(now, state, remaining):
    clock = sla_clock(target=30 * MINUTE, started_at=MONDAY_OPENING, now=now, paused_intervals=[])
    assert clock.state == state
    assert clock.standing == state
    assert clock.remaining_seconds == remaining
    assert clock.due_at == MONDAY_OPENING + 30 * MINUTE


def test_a_clock_stopped_in_time_is_met_for_good():
    clock = sla_clock(
        target=30 * MINUTE,
        started_at=MONDAY_OPENING,
        now=sydney(2026, 3, 10, 12),  # long after
        paused_intervals=[(sydney(2026, 3, 9, 9, 10), None)],  # an open pause ends at the stop
        stopped_at=MONDAY_OPENING + 25 * MINUTE,
    )
    assert clock.state == ClockState.MET
    assert clock.elapsed_seconds == 10 * 60


def test_a_clock_stopped_late_stays_breached():
    clock = sla_clock(
        target=30 * MINUTE,
        started_at=MONDAY_OPENING,
        now=sydney(2026, 3, 10, 12),
        paused_intervals=[],
        stopped_at=MONDAY_OPENING + 31 * MINUTE,
    )
    assert clock.state == ClockState.BREACHED
    assert clock.due_at == MONDAY_OPENING + 30 * MINUTE


def test_moments_in_other_time_zones_are_read_in_sydney_business_time():
    started_utc = datetime.datetime(2026, 3, 6, 5, 50, tzinfo=datetime.UTC)  # Friday 16:50 in Sydney
    clock = sla_clock(target=30 * MINUTE, started_at=started_utc, now=started_utc, paused_intervals=[])
    assert clock.due_at == sydney(2026, 3, 9, 9, 20)
