"""Reads of the support workspace: a ticket's page (its linked records and the tasks that can be
started on them, its task runs, its conversation, its saved answers), the standup board and the
reports. Every list is limited and every count is one query, whatever the size of the queue."""

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from opsconsole.models import TaskRun
from opsconsole.tasking.selectors import tasks_runnable_by
from opsconsole.tasking.views import admin_change_url, run_page_url, task_page_url
from support.models import SavedAnswer, Ticket, TicketKind, TicketMessage

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
    messages = list(ticket.messages.select_related("author").order_by("created_at", "id")[:TICKET_MESSAGES_SHOWN])
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
class StandupBoard:
    columns: list[BoardColumn]
    people: list[PersonColumn]
    unassigned: int


def _column(key, title, description, queryset) -> BoardColumn:
    return BoardColumn(key=key, title=title, description=description, count=queryset.count(),
                       tickets=list(queryset.select_related("assignee")[:STANDUP_COLUMN_LIMIT]))


def standup_board(*, now: datetime.datetime | None = None) -> StandupBoard:
    """The standup's columns; each ticket may appear in more than one (a new ticket can also be
    breaching). Oldest first, because the oldest needs talking about first."""
    now = now or timezone.now()
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("created_at", "id")
    columns = [
        _column("new", "New", "Not yet triaged.", open_tickets.filter(status=Ticket.Status.NEW)),
        _column("aging", "Aging", "Open for more than 3 days.", open_tickets.filter(created_at__lt=now - AGING_AFTER)),
        _column("breaching", "At risk or breached", "An SLA clock is at risk or breached.",
                open_tickets.filter(Q(first_response_sla__in=BREACHING_SLA_STATES)
                                    | Q(resolution_sla__in=BREACHING_SLA_STATES))),
        _column("blocked", "Blocked", "Waiting on a bug or on the requester.",
                open_tickets.filter(status__in=BLOCKED_STATUSES).select_related("bug")),
    ]
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
    return StandupBoard(columns=columns, people=person_columns, unassigned=unassigned)


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


@dataclass(frozen=True)
class KindVolume:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class SupportReport:
    """Tickets created in the last `days` days. Durations are wall-clock hours (not business
    hours) from creation; a median is None when no ticket has that moment yet."""

    days: int
    since: datetime.datetime
    total: int
    volume_by_kind: list[KindVolume]
    median_first_response_hours: float | None
    first_responded: int
    median_resolution_hours: float | None
    resolved: int
    self_served: int
    weeks: list[datetime.date]
    weekly_volume: dict[str, list[int]]

    @property
    def self_served_percent(self) -> float | None:
        return round(100 * self.self_served / self.resolved, 1) if self.resolved else None


def _median_hours(durations: list[datetime.timedelta]) -> float | None:
    if not durations:
        return None
    return round(statistics.median(duration.total_seconds() for duration in durations) / 3600, 1)


def support_report(*, days: int, now: datetime.datetime | None = None) -> SupportReport:
    now = now or timezone.now()
    since = now - datetime.timedelta(days=days)
    window = Ticket.objects.filter(created_at__gte=since, created_at__lte=now).order_by()
    counts = Counter(dict(window.values_list("kind").annotate(count=Count("id")).values_list("kind", "count")))
    volume = [KindVolume(kind=kind, label=str(label), count=counts.get(kind, 0)) for kind, label in TicketKind.choices]
    first_responses = [responded - created for created, responded in window.filter(first_responded_at__isnull=False)
                       .values_list("created_at", "first_responded_at")]
    resolved = window.filter(resolved_at__isnull=False)
    resolutions = [done - created for created, done in resolved.values_list("created_at", "resolved_at")]
    self_served = resolved.filter(resolution=Ticket.Resolution.SELF_SERVED).count()
    weekly = (window.annotate(week=TruncWeek("created_at")).values_list("week", "kind").annotate(count=Count("id")))
    by_week: dict[datetime.date, Counter] = defaultdict(Counter)
    for week, kind, count in weekly:
        by_week[week.date() if isinstance(week, datetime.datetime) else week][kind] += count
    weeks = sorted(by_week)
    weekly_volume = {kind: [by_week[week][kind] for week in weeks] for kind in TicketKind.values}
    return SupportReport(
        days=days, since=since, total=sum(counts.values()), volume_by_kind=volume,
        median_first_response_hours=_median_hours(first_responses), first_responded=len(first_responses),
        median_resolution_hours=_median_hours(resolutions), resolved=len(resolutions), self_served=self_served,
        weeks=weeks, weekly_volume=weekly_volume,
    )
