"""SLA targets and clocks for support tickets, in business time (see `opsconsole.business_calendar`).

A ticket has two clocks, time to first response and time to resolution. Each runs in working hours
from the ticket's creation, stops when the response is sent or the ticket resolved, and is paused
while the ticket waits on its requester. Pure functions, no database:
callers pass the moments they have recorded.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from opsconsole.business_calendar import (
    SUPPORT_CALENDAR,
    BusinessCalendar,
    add_business_seconds,
    business_seconds_between,
)

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
# "1 business day" is a working day of the support calendar (8 h for 09:00–17:00), not 24 h.
BUSINESS_DAY = SUPPORT_CALENDAR.working_day_length

# A clock is at risk once no more than this share of its target is left ("within 20 %").
AT_RISK_NUMERATOR, AT_RISK_DENOMINATOR = 1, 5


@dataclass(frozen=True)
class SlaTarget:
    """Business time allowed until the first response and until resolution."""

    first_response: datetime.timedelta
    resolution: datetime.timedelta


# The support team's targets, by priority, for every kind that serves someone waiting on us.
_BY_PRIORITY = {
    "urgent": SlaTarget(first_response=30 * MINUTE, resolution=4 * HOUR),
    "high": SlaTarget(first_response=4 * HOUR, resolution=1 * BUSINESS_DAY),
    "normal": SlaTarget(first_response=8 * HOUR, resolution=3 * BUSINESS_DAY),
    "low": SlaTarget(first_response=24 * HOUR, resolution=5 * BUSINESS_DAY),
}
# Internal tasks have one target, "24 h when a customer is affected", which is the low row's first
# response, so they take the low row whole, whatever their priority (their resolution then never
# comes before their first response). Without an affected customer they have no SLA at all: see
# `sla_target_for`.
_INTERNAL_TASK = _BY_PRIORITY["low"]

SLA_TARGETS: dict[tuple[str, str], SlaTarget] = {
    **{("internal_task", priority): _INTERNAL_TASK for priority in _BY_PRIORITY},
    **{
        (kind, priority): target
        for kind in ("internal_ops_problem", "external_ops_problem", "external_dev_inquiry", "external_dev_problem")
        for priority, target in _BY_PRIORITY.items()
    },
}


def sla_target_for(*, kind: str, priority: str, customer_affected: bool) -> SlaTarget | None:
    """The targets of a ticket, or None when it has no SLA: an internal task that affects no
    customer. Raises KeyError for a kind or priority not in `SLA_TARGETS`."""
    target = SLA_TARGETS[(kind, priority)]
    if kind == "internal_task" and not customer_affected:
        return None
    return target


class ClockState(StrEnum):
    MET = "met"
    BREACHED = "breached"
    AT_RISK = "at_risk"
    ON_TRACK = "on_track"
    PAUSED = "paused"


@dataclass(frozen=True)
class Clock:
    """One SLA clock at a moment.

    `state` is PAUSED while the clock is paused, otherwise equal to `standing`, which is never
    PAUSED: MET (stopped within target), BREACHED (more business time elapsed than the target),
    AT_RISK (no more than 20 % of the target left) or ON_TRACK. The periodic job marks tickets by
    `standing`, so a paused ticket that is already breached still counts as breached.
    `remaining_seconds` is negative by the overrun once breached. `due_at` is when the target is
    (or was) reached: a past moment once breached; otherwise extrapolated in business time from
    the stop, or from now as though any current pause ended now.
    """

    elapsed_seconds: int
    remaining_seconds: int
    due_at: datetime.datetime
    state: ClockState
    standing: ClockState


def sla_clock(
    *,
    target: datetime.timedelta,
    started_at: datetime.datetime,
    now: datetime.datetime,
    paused_intervals: list[tuple[datetime.datetime, datetime.datetime | None]],
    stopped_at: datetime.datetime | None = None,
    calendar: BusinessCalendar = SUPPORT_CALENDAR,
) -> Clock:
    """The clock of `target` business time started at `started_at`, as at `now`.

    `paused_intervals` are (paused, resumed) pairs in any order, possibly overlapping; resumed None
    is a pause still open, which runs to `stopped_at`, or to `now` while the clock runs. Time before
    `started_at` or after the clock's end (`stopped_at`, else `now`) is ignored.
    """
    clock_end = stopped_at if stopped_at is not None else now
    target_seconds = target // datetime.timedelta(seconds=1)
    running_spans = _running_spans(started_at, clock_end, paused_intervals)
    elapsed = sum(business_seconds_between(calendar, start, end) for start, end in running_spans)
    remaining = target_seconds - elapsed
    standing = _standing(stopped=stopped_at is not None, remaining=remaining, target_seconds=target_seconds)
    paused = stopped_at is None and _is_paused_at(now, paused_intervals)
    return Clock(
        elapsed_seconds=elapsed,
        remaining_seconds=remaining,
        due_at=_due_at(calendar, running_spans, target_seconds, clock_end),
        state=ClockState.PAUSED if paused else standing,
        standing=standing,
    )


def _running_spans(started_at, clock_end, paused_intervals) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The spans of [started_at, clock_end) outside every pause, in order."""
    spans, cursor = [], started_at
    for paused, resumed in sorted(paused_intervals, key=lambda interval: interval[0]):
        resumed = clock_end if resumed is None else min(resumed, clock_end)
        if paused > cursor:
            spans.append((cursor, min(paused, clock_end)))
        # max() because pauses may overlap, or lie wholly before the start.
        cursor = max(cursor, resumed)
    if cursor < clock_end:
        spans.append((cursor, clock_end))
    return [(start, end) for start, end in spans if start < end]


def _standing(*, stopped: bool, remaining: int, target_seconds: int) -> ClockState:
    if remaining < 0:
        return ClockState.BREACHED
    if stopped:
        return ClockState.MET
    # Integer arithmetic so that exactly 80 % elapsed is at risk, with no float rounding.
    if remaining * AT_RISK_DENOMINATOR <= target_seconds * AT_RISK_NUMERATOR:
        return ClockState.AT_RISK
    return ClockState.ON_TRACK


def _is_paused_at(now, paused_intervals) -> bool:
    return any(paused <= now and (resumed is None or resumed > now) for paused, resumed in paused_intervals)


def _due_at(calendar, running_spans, target_seconds: int, clock_end) -> datetime.datetime:
    """The moment the running time reaches the target: inside the recorded spans when it already
    has, else that much more business time after the clock's end."""
    still_needed = target_seconds
    for start, end in running_spans:
        span_seconds = business_seconds_between(calendar, start, end)
        if still_needed <= span_seconds:
            return add_business_seconds(calendar, start, still_needed)
        still_needed -= span_seconds
    return add_business_seconds(calendar, clock_end, still_needed)
