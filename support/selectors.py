"""Reads of the support workspace: a ticket's page (its linked records and the tasks that can be
started on them, its task runs, its conversation, its saved answers), the standup board and the
reports. Every list is limited and every count is one query, whatever the size of the queue."""

import datetime
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone

from opsconsole.business_calendar import SUPPORT_CALENDAR, BusinessCalendar, business_seconds_between
from opsconsole.models import TaskRun
from opsconsole.platform_access import restrict_to_user_platforms
from opsconsole.tasking.selectors import tasks_runnable_by
from opsconsole.admin_urls import admin_change_url, run_page_url, task_page_url
from support.bugs import bugs_nearing_target
from support.clocks import ticket_clocks
from support.models import Bug, Priority, SavedAnswer, Ticket, TicketKind, TicketMessage, TicketPause
from support.sla import ClockState

# Statuses in which a ticket still needs someone's work.
OPEN_STATUSES = (
    Ticket.Status.NEW, Ticket.Status.TRIAGED, Ticket.Status.IN_PROGRESS,
    Ticket.Status.WAITING_ON_REQUESTER, Ticket.Status.WAITING_ON_BUG,
)
BLOCKED_STATUSES = (Ticket.Status.WAITING_ON_BUG, Ticket.Status.WAITING_ON_REQUESTER)
BREACHING_SLA_STATES = (Ticket.SlaState.AT_RISK, Ticket.SlaState.BREACHED)
# An open ticket older than this is "aging" on the standup board.
AGING_AFTER = datetime.timedelta(days=3)
# Each column of the board lists at most this many tickets (its count says how many there are).
STANDUP_COLUMN_LIMIT = 50
STANDUP_PEOPLE_LIMIT = 30
TICKET_RUNS_SHOWN = 50
TICKET_LINKS_SHOWN = 50
TICKET_MESSAGES_SHOWN = 200

REPORT_DEFAULT_DAYS = 30
REPORT_MAX_DAYS = 366
REPORT_DAYS_PROBLEM = f"“days” must be a whole number of days from 1 to {REPORT_MAX_DAYS}, for example ?days=30."


def tickets_visible_to(*, user=None) -> QuerySet[Ticket]:
    """Every ticket, or with `user` those about a platform they may see or about none."""
    return Ticket.objects.all() if user is None else restrict_to_user_platforms(Ticket.objects.all(), user)


# --- The ticket's page ------------------------------------------------------------------------

@dataclass(frozen=True)
class StartableTask:
    title: str
    slug: str
    url: str


@dataclass(frozen=True)
class LinkedRecord:
    """A record the ticket concerns, its admin page (None if the admin does not show it) and the
    tasks the person may start on it, each pre-filled with the ticket's reference."""

    label: str
    kind: str
    target_id: str
    url: str | None
    tasks: list[StartableTask] = field(default_factory=list)


def ticket_linked_records(*, ticket: Ticket, user) -> list[LinkedRecord]:
    records = []
    links = ticket.links.select_related("target_type").order_by("id")[:TICKET_LINKS_SHOWN]
    for link in links:
        model = link.target_type.model_class()
        if model is None:  # a model since removed from the code
            records.append(LinkedRecord(label=link.label, kind=link.target_type.model, target_id=link.target_id, url=None))
            continue
        meta = model._meta
        tasks = [
            StartableTask(title=task.title, slug=task.slug,
                          url=task_page_url(slug=task.slug, target_id=link.target_id, ticket_reference=ticket.reference))
            for task in tasks_runnable_by(user=user, model=model)
        ]
        url = None
        if user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            url = admin_change_url(app_label=meta.app_label, model_name=meta.model_name, pk=link.target_id)
        records.append(LinkedRecord(label=link.label, kind=str(meta.verbose_name), target_id=link.target_id,
                                    url=url, tasks=tasks))
    return records


@dataclass(frozen=True)
class TicketRun:
    run: TaskRun
    url: str


def ticket_task_runs(*, ticket: Ticket) -> list[TicketRun]:
    """The task runs that quote this ticket's reference, newest first."""
    runs = (TaskRun.objects.filter(ticket_reference=ticket.reference).select_related("requested_by")
            .only("id", "task_title", "target_repr", "status", "outcome", "requested_at", "requested_by__username")
            .order_by("-id")[:TICKET_RUNS_SHOWN])
    return [TicketRun(run=run, url=run_page_url(run)) for run in runs]


def ticket_has_succeeded_run(*, ticket: Ticket) -> bool:
    return TaskRun.objects.filter(ticket_reference=ticket.reference, status=TaskRun.Status.SUCCEEDED).exists()


@dataclass(frozen=True)
class Conversation:
    replies: list[TicketMessage]
    internal_notes: list[TicketMessage]


def ticket_conversation(*, ticket: Ticket) -> Conversation:
    """Replies to the requester and internal notes, apart, each oldest first."""
    messages = list(ticket.messages.select_related("author", "imported_by").order_by("created_at", "id")[:TICKET_MESSAGES_SHOWN])
    return Conversation(
        replies=[message for message in messages if message.visibility == TicketMessage.Visibility.REPLY],
        internal_notes=[message for message in messages if message.visibility == TicketMessage.Visibility.INTERNAL],
    )


def saved_answers_for(*, ticket: Ticket) -> QuerySet[SavedAnswer]:
    """The saved answers offered on a ticket: those for its kind and those for every kind."""
    return SavedAnswer.objects.filter(Q(kind=ticket.kind) | Q(kind=""))


class _KeepUnknown(dict):
    """A placeholder the ticket cannot fill stays as written, for the person to fill in."""

    def __missing__(self, key):
        return "{" + key + "}"


def saved_answer_render(*, answer: SavedAnswer, ticket: Ticket) -> str:
    """The answer's body with {requester_name}, {reference} and {platform} filled from the ticket
    (platform: its name, or "your platform" when the ticket has none). Other braces are kept."""
    values = _KeepUnknown(
        requester_name=ticket.requester_name,
        reference=ticket.reference,
        platform=ticket.platform.name if ticket.platform_id else "your platform",
    )
    try:
        return answer.body.format_map(values)
    except (ValueError, IndexError, AttributeError, KeyError):
        # A stray brace or a "{0}" in the text: fill what can be filled by plain replacement.
        body = answer.body
        for name in ("requester_name", "reference", "platform"):
            body = body.replace("{" + name + "}", values[name])
        return body


@dataclass(frozen=True)
class RenderedAnswer:
    answer: SavedAnswer
    text: str


def ticket_saved_answers(*, ticket: Ticket) -> list[RenderedAnswer]:
    return [RenderedAnswer(answer=answer, text=saved_answer_render(answer=answer, ticket=ticket))
            for answer in saved_answers_for(ticket=ticket)[:50]]


# --- The standup board ------------------------------------------------------------------------

# The standup is held at 09:30 Sydney time on working days: "came in since the last standup" counts
# from the previous working day's 09:30.
STANDUP_TIME = datetime.time(9, 30)
STANDUP_BUGS_LIMIT = 30
STANDUP_SINCE_MAX = datetime.timedelta(days=31)
STANDUP_SINCE_PROBLEM = ("“since” must be a date or a date and time in the last 31 days, for example "
                         "?since=2026-11-26 or ?since=2026-11-26T09:30 (Sydney time).")


@dataclass(frozen=True)
class BoardColumn:
    key: str
    title: str
    description: str
    count: int
    tickets: list[Ticket]

    @property
    def more(self) -> int:
        return self.count - len(self.tickets)


@dataclass(frozen=True)
class PersonColumn:
    person: object
    count: int
    tickets: list[Ticket]


@dataclass(frozen=True)
class NearingBug:
    bug: Bug
    overdue: bool


@dataclass(frozen=True)
class StandupBoard:
    since: datetime.datetime
    columns: list[BoardColumn]
    bugs_nearing_target: list[NearingBug]
    bugs_nearing_count: int
    people: list[PersonColumn]
    unassigned: int


def _column(key, title, description, queryset) -> BoardColumn:
    return BoardColumn(key=key, title=title, description=description, count=queryset.count(),
                       tickets=list(queryset.select_related("assignee")[:STANDUP_COLUMN_LIMIT]))


def previous_standup_at(*, now: datetime.datetime, calendar: BusinessCalendar = SUPPORT_CALENDAR) -> datetime.datetime:
    """09:30 (team time) of the working day before `now`'s local day: a Monday's standup looks back
    to Friday's, or further over a public holiday."""
    day = now.astimezone(calendar.time_zone).date() - datetime.timedelta(days=1)
    while not calendar.is_business_day(day):
        day -= datetime.timedelta(days=1)
    return datetime.datetime.combine(day, STANDUP_TIME, tzinfo=calendar.time_zone)


def standup_since_from(raw: str | None, *, now: datetime.datetime) -> tuple[datetime.datetime | None, str | None]:
    """The board's "since" from the query string: (moment, None), or (None, the problem). Empty
    means the previous standup; a date means its midnight, and a time without a zone is Sydney's."""
    if raw is None or raw.strip() == "":
        return previous_standup_at(now=now), None
    raw = raw.strip()
    moment = None
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        return None, STANDUP_SINCE_PROBLEM
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SUPPORT_CALENDAR.time_zone)
    if moment > now or moment < now - STANDUP_SINCE_MAX:
        return None, STANDUP_SINCE_PROBLEM
    return moment, None


def standup_board(*, now: datetime.datetime | None = None, since: datetime.datetime | None = None,
                  user=None) -> StandupBoard:
    """The standup's columns; each ticket may appear in more than one (a new ticket can also be
    breaching). Oldest first, because the oldest needs talking about first. `since` (default: the
    previous standup) bounds "came in", which lists every ticket created since, whatever its status.
    With `user`, only the tickets they may see (`tickets_visible_to`)."""
    now = now or timezone.now()
    since = since or previous_standup_at(now=now)
    tickets = tickets_visible_to(user=user)
    open_tickets = tickets.filter(status__in=OPEN_STATUSES).order_by("created_at", "id")
    columns = [
        _column("came_in", "Came in since the last standup",
                f"Created since {timezone.localtime(since, SUPPORT_CALENDAR.time_zone):%a %d %b, %H:%M} Sydney time.",
                tickets.filter(created_at__gte=since, created_at__lte=now).order_by("created_at", "id")),
        _column("new", "New", "Not yet triaged.", open_tickets.filter(status=Ticket.Status.NEW)),
        _column("aging", "Aging", "Open for more than 3 days.", open_tickets.filter(created_at__lt=now - AGING_AFTER)),
        _column("breaching", "At risk or breached", "An SLA clock is at risk or breached.",
                open_tickets.filter(Q(first_response_sla__in=BREACHING_SLA_STATES)
                                    | Q(resolution_sla__in=BREACHING_SLA_STATES))),
        _column("on_bug", "Waits on a bug", "Status waiting on bug, with the bug.",
                open_tickets.filter(status=Ticket.Status.WAITING_ON_BUG).select_related("bug")),
        _column("on_requester", "Waits on the requester", "Clocks paused until the requester answers.",
                open_tickets.filter(status=Ticket.Status.WAITING_ON_REQUESTER)),
    ]
    nearing = list(bugs_nearing_target(now=now, limit=STANDUP_BUGS_LIMIT))
    counts = (open_tickets.filter(assignee__isnull=False).order_by().values("assignee")
              .annotate(open_count=Count("id")).order_by("-open_count", "assignee")[:STANDUP_PEOPLE_LIMIT])
    counts = {row["assignee"]: row["open_count"] for row in counts}
    people = get_user_model().objects.in_bulk(list(counts))
    tickets_by_person = defaultdict(list)
    # One query for everyone's tickets, at most the column limit per person.
    for ticket in open_tickets.filter(assignee__in=list(counts))[:STANDUP_COLUMN_LIMIT * max(len(counts), 1)]:
        if len(tickets_by_person[ticket.assignee_id]) < STANDUP_COLUMN_LIMIT:
            tickets_by_person[ticket.assignee_id].append(ticket)
    person_columns = [PersonColumn(person=people[pk], count=count, tickets=tickets_by_person[pk])
                      for pk, count in counts.items() if pk in people]
    unassigned = open_tickets.filter(assignee__isnull=True).count()
    return StandupBoard(since=since, columns=columns,
                        bugs_nearing_target=[NearingBug(bug=bug, overdue=bug.fix_due_at < now) for bug in nearing],
                        bugs_nearing_count=len(nearing), people=person_columns, unassigned=unassigned)


# --- Reports ----------------------------------------------------------------------------------

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
                .prefetch_related(Prefetch("pauses", queryset=TicketPause.objects.only("ticket_id", "started_at", "ended_at"))))
    groups: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: {"all": [], "first": [], "resolution": []})
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
            rows.append(["volume by kind per week", f"{week:%Y-%m-%d}", str(label), report.weekly_volume[kind][index], ""])
    return rows
