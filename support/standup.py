"""The standup board: the tickets that came in since the last standup, the aging, breaching and
blocked ones, each person's open tickets and the bugs nearing their target. Every column is
limited and every count is one query, whatever the size of the queue."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from opsconsole.business_calendar import SUPPORT_CALENDAR, BusinessCalendar
from support.bugs import bugs_nearing_target
from support.models import Bug, Ticket
from support.selectors import BREACHING_SLA_STATES, OPEN_STATUSES, tickets_visible_to

# An open ticket older than this is "aging" on the standup board.
AGING_AFTER = datetime.timedelta(days=3)
# Each column of the board lists at most this many tickets (its count says how many there are).
STANDUP_COLUMN_LIMIT = 50
STANDUP_PEOPLE_LIMIT = 30


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
