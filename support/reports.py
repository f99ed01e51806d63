"""The support team's reports over a window of days: volume by kind, response and resolution
times, SLA attainment, open tickets by age, and the same as CSV rows."""

import datetime
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone

from opsconsole.business_calendar import SUPPORT_CALENDAR, business_seconds_between
from support.clocks import ticket_clocks
from support.models import Priority, Ticket, TicketKind, TicketPause
from support.selectors import OPEN_STATUSES, tickets_visible_to
from support.sla import ClockState

REPORT_DEFAULT_DAYS = 30
REPORT_MAX_DAYS = 366
REPORT_DAYS_PROBLEM = f"“days” must be a whole number of days from 1 to {REPORT_MAX_DAYS}, for example ?days=30."


def report_days_from(raw: str | None) -> tuple[int | None, str | None]:
    """The report's window from the query string: (days, None), or (None, the problem)."""
    if raw is None or raw == "":
        return REPORT_DEFAULT_DAYS, None
    try:
        days = int(raw)
    except (TypeError, ValueError):
        return None, REPORT_DAYS_PROBLEM
    if not 1 <= days <= REPORT_MAX_DAYS:
        return None, REPORT_DAYS_PROBLEM
    return days, None


# A link to the tickets behind a number carries their ids (`?id__in=`); past this many the URL
# would outgrow common request-line limits (gunicorn: 4094 bytes), so the number is shown unlinked.
REPORT_LINK_MAX_TICKETS = 400
AGE_BUCKETS = (
    ("under_1", "Under 1 day", datetime.timedelta(0), datetime.timedelta(days=1)),
    ("1_to_3", "1–3 days", datetime.timedelta(days=1), datetime.timedelta(days=3)),
    ("3_to_7", "3–7 days", datetime.timedelta(days=3), datetime.timedelta(days=7)),
    ("over_7", "Over 7 days", datetime.timedelta(days=7), None),
)


def tickets_list_url(ticket_ids) -> str | None:
    """The admin ticket list filtered to exactly these tickets, or None when there are none or too
    many to carry in a URL."""
    ticket_ids = sorted(ticket_ids)
    if not ticket_ids or len(ticket_ids) > REPORT_LINK_MAX_TICKETS:
        return None
    return f"{reverse('admin:support_ticket_changelist')}?id__in={','.join(map(str, ticket_ids))}"


@dataclass(frozen=True)
class Figure:
    """A number and the tickets behind it."""

    value: float | int | None
    ticket_ids: tuple[int, ...]

    @property
    def url(self) -> str | None:
        return tickets_list_url(self.ticket_ids)


@dataclass(frozen=True)
class KindVolume:
    kind: str
    label: str
    count: int
    ticket_ids: tuple[int, ...] = ()

    @property
    def url(self) -> str | None:
        return tickets_list_url(self.ticket_ids)


@dataclass(frozen=True)
class DurationMeasure:
    """Business hours from creation to a moment, over the tickets that reached it."""

    key: str
    label: str
    median_hours: float | None
    p90_hours: float | None
    ticket_ids: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.ticket_ids)

    @property
    def url(self) -> str | None:
        return tickets_list_url(self.ticket_ids)


@dataclass(frozen=True)
class SlaAttainment:
    """Of the finished (resolved or closed) tickets of one kind and priority that have an SLA, how
    many met each clock."""

    kind: str
    kind_label: str
    priority: str
    priority_label: str
    finished: Figure
    first_response_met: Figure
    resolution_met: Figure

    @staticmethod
    def _percent(part: Figure, whole: Figure) -> float | None:
        return round(100 * part.value / whole.value, 1) if whole.value else None

    @property
    def first_response_percent(self) -> float | None:
        return self._percent(self.first_response_met, self.finished)

    @property
    def resolution_percent(self) -> float | None:
        return self._percent(self.resolution_met, self.finished)


@dataclass(frozen=True)
class AgeBucket:
    key: str
    label: str
    figure: Figure


@dataclass(frozen=True)
class SupportReport:
    """Tickets created in the last `days` days, except `open_ages`, which is every open ticket's
    age now. Durations are business hours (support calendar: 09:00–17:00 Sydney, working days)
    from creation, pauses included; a median is None when no ticket has that moment yet."""

    days: int
    now: datetime.datetime
    since: datetime.datetime
    total: int
    volume_by_kind: list[KindVolume]
    first_response: DurationMeasure
    resolution: DurationMeasure
    self_served: int
    self_served_ids: tuple[int, ...]
    explained_ids: tuple[int, ...]
    sla_attainment: list[SlaAttainment]
    open_ages: list[AgeBucket]
    weeks: list[datetime.date]
    weekly_volume: dict[str, list[int]]

    # The earlier names, kept for the page and its tests.
    @property
    def median_first_response_hours(self) -> float | None:
        return self.first_response.median_hours

    @property
    def first_responded(self) -> int:
        return self.first_response.count

    @property
    def median_resolution_hours(self) -> float | None:
        return self.resolution.median_hours

    @property
    def resolved(self) -> int:
        return self.resolution.count

    @property
    def self_served_url(self) -> str | None:
        return tickets_list_url(self.self_served_ids)

    @property
    def self_served_percent(self) -> float | None:
        return round(100 * self.self_served / self.resolved, 1) if self.resolved else None

    @property
    def explained(self) -> int:
        return len(self.explained_ids)

    @property
    def explained_url(self) -> str | None:
        return tickets_list_url(self.explained_ids)

    @property
    def explained_percent(self) -> float | None:
        return round(100 * self.explained / self.resolved, 1) if self.resolved else None


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 1)


def _median_and_p90(seconds: list[int]) -> tuple[float | None, float | None]:
    """The median (the mean of the middle two for an even count) and the 90th percentile by the
    nearest-rank method: the smallest value with at least 90 % of the values at or below it."""
    if not seconds:
        return None, None
    ordered = sorted(seconds)
    rank = math.ceil(0.9 * len(ordered))
    return _hours(statistics.median(ordered)), _hours(ordered[rank - 1])


def _duration_measure(key, label, rows) -> DurationMeasure:
    """`rows`: (ticket id, created, reached) for the tickets that reached the moment."""
    seconds = [business_seconds_between(SUPPORT_CALENDAR, created, reached) for _, created, reached in rows]
    median, p90 = _median_and_p90(seconds)
    return DurationMeasure(key=key, label=label, median_hours=median, p90_hours=p90,
                           ticket_ids=tuple(pk for pk, _, _ in rows))


def _sla_attainment(window: QuerySet, now: datetime.datetime) -> list[SlaAttainment]:
    finished = (window.filter(status__in=(Ticket.Status.RESOLVED, Ticket.Status.CLOSED))
                .only("pk", "kind", "priority", "customer_affected", "created_at", "first_responded_at", "resolved_at")
                .prefetch_related(Prefetch("pauses",
                                           queryset=TicketPause.objects.only("ticket_id", "started_at", "ended_at"))))
    groups: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(
        lambda: {"all": [], "first": [], "resolution": []})
    for ticket in finished.iterator(chunk_size=500):
        clocks = ticket_clocks(ticket=ticket, now=ticket.resolved_at or now)
        if clocks is None:  # an internal task that affects no customer has no SLA to meet
            continue
        group = groups[(ticket.kind, ticket.priority)]
        group["all"].append(ticket.pk)
        if clocks.first_response.standing == ClockState.MET:
            group["first"].append(ticket.pk)
        if clocks.resolution.standing == ClockState.MET:
            group["resolution"].append(ticket.pk)
    rows = []
    for kind, kind_label in TicketKind.choices:
        for priority, priority_label in Priority.choices:
            if (kind, priority) not in groups:
                continue
            group = groups[(kind, priority)]
            rows.append(SlaAttainment(
                kind=kind, kind_label=str(kind_label), priority=priority, priority_label=str(priority_label),
                finished=Figure(len(group["all"]), tuple(group["all"])),
                first_response_met=Figure(len(group["first"]), tuple(group["first"])),
                resolution_met=Figure(len(group["resolution"]), tuple(group["resolution"])),
            ))
    return rows


def _open_ages(now: datetime.datetime, tickets: QuerySet) -> list[AgeBucket]:
    open_tickets = tickets.filter(status__in=OPEN_STATUSES).order_by()
    buckets = []
    for key, label, younger, older in AGE_BUCKETS:
        tickets = open_tickets.filter(created_at__lte=now - younger)
        if older is not None:
            tickets = tickets.filter(created_at__gt=now - older)
        ids = tuple(tickets.values_list("pk", flat=True))
        buckets.append(AgeBucket(key=key, label=label, figure=Figure(len(ids), ids)))
    return buckets


def support_report(*, days: int, now: datetime.datetime | None = None, user=None) -> SupportReport:
    """With `user`, over the tickets they may see (`tickets_visible_to`)."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=days)
    tickets = tickets_visible_to(user=user)
    window = tickets.filter(created_at__gte=since, created_at__lte=now).order_by()
    ids_by_kind: dict[str, list[int]] = defaultdict(list)
    for pk, kind in window.values_list("pk", "kind"):
        ids_by_kind[kind].append(pk)
    volume = [KindVolume(kind=kind, label=str(label), count=len(ids_by_kind[kind]), ticket_ids=tuple(ids_by_kind[kind]))
              for kind, label in TicketKind.choices]
    first_response = _duration_measure(
        "first-response", "Time to first response",
        window.filter(first_responded_at__isnull=False).values_list("pk", "created_at", "first_responded_at"))
    resolution = _duration_measure(
        "resolution", "Time to resolution",
        window.filter(resolved_at__isnull=False).values_list("pk", "created_at", "resolved_at"))
    self_served_ids = tuple(window.filter(resolved_at__isnull=False, resolution=Ticket.Resolution.SELF_SERVED)
                            .values_list("pk", flat=True))
    explained_ids = tuple(window.filter(resolved_at__isnull=False, resolution=Ticket.Resolution.EXPLAINED)
                          .values_list("pk", flat=True))
    weekly = (window.annotate(week=TruncWeek("created_at")).values_list("week", "kind").annotate(count=Count("id")))
    by_week: dict[datetime.date, Counter] = defaultdict(Counter)
    for week, kind, count in weekly:
        by_week[week.date() if isinstance(week, datetime.datetime) else week][kind] += count
    weeks = sorted(by_week)
    weekly_volume = {kind: [by_week[week][kind] for week in weeks] for kind in TicketKind.values}
    return SupportReport(
        days=days, now=now, since=since, total=sum(row.count for row in volume), volume_by_kind=volume,
        first_response=first_response, resolution=resolution,
        self_served=len(self_served_ids), self_served_ids=self_served_ids, explained_ids=explained_ids,
        sla_attainment=_sla_attainment(window, now), open_ages=_open_ages(now, tickets),
        weeks=weeks, weekly_volume=weekly_volume,
    )


def support_report_csv_rows(report: SupportReport) -> list[list]:
    """The report's tables as CSV rows: table, row, measure, value, tickets (the ticket ids)."""
    def ids(ticket_ids) -> str:
        return " ".join(map(str, sorted(ticket_ids)))

    rows = [["table", "row", "measure", "value", "tickets"]]
    for row in report.volume_by_kind:
        rows.append(["volume by kind", row.label, "tickets", row.count, ids(row.ticket_ids)])
    rows.append(["volume by kind", "All", "tickets", report.total, ""])
    for measure in (report.first_response, report.resolution):
        for name, value in (("median business hours", measure.median_hours), ("p90 business hours", measure.p90_hours),
                            ("tickets", measure.count)):
            rows.append(["response and resolution", measure.label, name, "" if value is None else value,
                         ids(measure.ticket_ids)])
    rows.append(["response and resolution", "Resolved by self-serve task runs", "tickets", report.self_served,
                 ids(report.self_served_ids)])
    rows.append(["response and resolution", "Answered from explanations", "tickets", report.explained,
                 ids(report.explained_ids)])
    for row in report.sla_attainment:
        label = f"{row.kind_label} / {row.priority_label}"
        rows.append(["sla attainment", label, "finished", row.finished.value, ids(row.finished.ticket_ids)])
        rows.append(["sla attainment", label, "first response met", row.first_response_met.value,
                     ids(row.first_response_met.ticket_ids)])
        rows.append(["sla attainment", label, "resolution met", row.resolution_met.value,
                     ids(row.resolution_met.ticket_ids)])
    for bucket in report.open_ages:
        rows.append(["open ticket age", bucket.label, "tickets", bucket.figure.value, ids(bucket.figure.ticket_ids)])
    for index, week in enumerate(report.weeks):
        for kind, label in TicketKind.choices:
            rows.append(["volume by kind per week", f"{week:%Y-%m-%d}", str(label), report.weekly_volume[kind][index],
                         ""])
    return rows
