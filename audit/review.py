"""The lead's daily review of the audit trail.

A review covers the stretch of the trail after the last completed review. Every event in it is
listed for a verdict, except successful sign-ins and sign-outs and the records of earlier reviews,
which are counted per person instead: they change no data, and listing each one would bury the
entries that do. Failed sign-ins and lock-outs are listed. The list shows high-risk task runs
first, then failures, then the rest, each part grouped by person and by task.

A review is complete when every listed entry carries a mark (reviewed, or flagged with a note);
completing it records an `AuditReview` and an `audit.review` event. Each page reads a fixed number
of queries whatever the stretch holds, and lists at most `REVIEW_PAGE_LIMIT` entries: a longer
stretch is reviewed in parts, oldest first.

This module reads what the review shows; marking and completing are `audit.services.review`.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Max, Min, OuterRef

from audit.models import AuditEvent, AuditReview, AuditReviewMark
from audit.task_titles import task_titles
from opsconsole.admin_urls import admin_change_url
from opsconsole.errors import OpsError
from opsconsole.people import person_name

REVIEW_PERMISSION = "audit.review_auditevent"
REVIEW_PAGE_LIMIT = 500
PAST_REVIEWS_SHOWN = 20
FLAGGED_SHOWN = 50
SUMMARISED_ACTIONS = (AuditEvent.Action.LOGIN, AuditEvent.Action.LOGOUT, AuditEvent.Action.REVIEW)

NOT_AN_EVENT_NUMBER = "“{name}” must be the number of an audit entry."


@dataclass(frozen=True)
class ReviewEntry:
    event: AuditEvent
    mark: AuditReviewMark | None
    admin_url: str | None


@dataclass
class ReviewGroup:
    person: str
    task: str
    entries: list[ReviewEntry] = field(default_factory=list)


@dataclass
class ReviewSection:
    key: str
    title: str
    groups: list[ReviewGroup] = field(default_factory=list)

    @property
    def entry_count(self) -> int:
        return sum(len(group.entries) for group in self.groups)


@dataclass(frozen=True)
class CountedActivity:
    """What one person did that the review counts rather than lists."""

    person: str
    signed_in: int
    signed_out: int
    reviews: int


@dataclass
class ReviewStretch:
    """The entries under review: after event #`after_id`, through #`through_id` (None when the
    trail holds nothing new). `more_remain` counts listed entries beyond `page_limit`."""

    after_id: int
    through_id: int | None
    first_id: int | None
    entries: list[ReviewEntry]
    sections: list[ReviewSection]
    counted: list[CountedActivity]
    page_limit: int
    more_remain: int = 0

    @property
    def entry_count(self) -> int:
        return len(self.entries)

    @property
    def unmarked_count(self) -> int:
        return sum(entry.mark is None for entry in self.entries)

    @property
    def flagged_count(self) -> int:
        return sum(entry.mark is not None and entry.mark.verdict == AuditReviewMark.Verdict.FLAGGED
                   for entry in self.entries)


def last_reviewed_event_id() -> int:
    """The last event a completed review covered; 0 before the first review."""
    return AuditReview.objects.aggregate(last=Max("last_event_id"))["last"] or 0


def _listed(events):
    return events.exclude(action__in=SUMMARISED_ACTIONS)


def event_awaiting_review(*, event_id: int) -> AuditEvent | None:
    """Event #`event_id` when it is listed for the next review (after the last completed review,
    and not one that is counted); None otherwise."""
    return _listed(AuditEvent.objects.filter(pk=event_id, id__gt=last_reviewed_event_id())).first()


def review_stretch(*, through_id: int | None = None) -> ReviewStretch:
    """What the next review covers: everything after the last review, up to `through_id` when
    given (the end the page showed), and never more than `REVIEW_PAGE_LIMIT` listed entries."""
    after_id = last_reviewed_event_id()
    events = _listed(AuditEvent.objects.filter(id__gt=after_id)).select_related("actor").order_by("id")
    if through_id is not None:
        events = events.filter(id__lte=through_id)
    events = list(events[:REVIEW_PAGE_LIMIT + 1])
    more_remain = 0
    if len(events) > REVIEW_PAGE_LIMIT:
        events = events[:REVIEW_PAGE_LIMIT]
        through_id = events[-1].id
        more_remain = _listed(AuditEvent.objects.filter(id__gt=through_id)).count()
    else:
        # The newest event there is, so a page's stale or made-up end never reaches past the trail.
        newest = AuditEvent.objects.filter(id__gt=after_id)
        if through_id is not None:
            newest = newest.filter(id__lte=through_id)
        through_id = newest.aggregate(last=Max("id"))["last"]
    if through_id is None or through_id <= after_id:
        return ReviewStretch(after_id=after_id, through_id=None, first_id=None, entries=[], sections=[], counted=[],
                             page_limit=REVIEW_PAGE_LIMIT)

    marks = _current_marks(after_id=after_id, through_id=through_id)
    entries = [ReviewEntry(event=event, mark=marks.get(event.id), admin_url=_event_admin_url(event))
               for event in events]
    counted, first_counted_id = _counted_activity(after_id=after_id, through_id=through_id)
    first_ids = [event_id for event_id in (events[0].id if events else None, first_counted_id) if event_id]
    return ReviewStretch(after_id=after_id, through_id=through_id, first_id=min(first_ids, default=None),
                         entries=entries, sections=_sections(entries), counted=counted, page_limit=REVIEW_PAGE_LIMIT,
                         more_remain=more_remain)


def _current_marks(*, after_id: int, through_id: int) -> dict[int, AuditReviewMark]:
    """Each event's latest mark: marks are read oldest first, so a later one replaces an earlier."""
    marks = (AuditReviewMark.objects.filter(event_id__gt=after_id, event_id__lte=through_id)
             .select_related("reviewer").order_by("id"))
    return {mark.event_id: mark for mark in marks}


def _event_admin_url(event: AuditEvent) -> str | None:
    return admin_change_url(app_label="audit", model_name="auditevent", pk=event.pk)


def _counted_activity(*, after_id: int, through_id: int) -> tuple[list[CountedActivity], int | None]:
    """Per person, how many sign-ins, sign-outs and completed reviews; and the first such event."""
    rows = list(AuditEvent.objects.filter(id__gt=after_id, id__lte=through_id, action__in=SUMMARISED_ACTIONS)
                .values("actor_id", "actor_name", "action").annotate(count=Count("id"), first_id=Min("id"))
                .order_by())
    people = get_user_model().objects.in_bulk({row["actor_id"] for row in rows if row["actor_id"]})
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    first_id = None
    for row in rows:
        person = people.get(row["actor_id"])
        counts[person_name(person) if person else row["actor_name"] or "system"][row["action"]] += row["count"]
        first_id = row["first_id"] if first_id is None else min(first_id, row["first_id"])
    counted = [
        CountedActivity(person=person, signed_in=by_action[AuditEvent.Action.LOGIN],
                        signed_out=by_action[AuditEvent.Action.LOGOUT], reviews=by_action[AuditEvent.Action.REVIEW])
        for person, by_action in sorted(counts.items())
    ]
    return counted, first_id


SECTION_TITLES = {
    "high_risk": "High-risk task runs",
    "failures": "Failures and refusals",
    "rest": "Everything else",
}


def _section_key(event: AuditEvent) -> str:
    if event.action.startswith("task.") and event.high_risk:
        return "high_risk"
    if event.outcome == AuditEvent.Outcome.FAILURE:
        return "failures"
    return "rest"


def _task_label(event: AuditEvent, titles: dict[str, str]) -> str:
    """A task step is grouped under its task's title (`titles`, by slug); anything else under
    what happened."""
    if event.task_slug:
        return titles.get(event.task_slug, event.task_slug)
    return event.get_action_display()


def _sections(entries: list[ReviewEntry]) -> list[ReviewSection]:
    """High-risk runs, then failures, then the rest; in each, one group per person and task,
    ordered by person, then task; entries oldest first."""
    groups: dict[str, dict[tuple[str, str], ReviewGroup]] = {key: {} for key in SECTION_TITLES}
    titles = task_titles()
    for entry in entries:
        person, task = entry.event.actor_display_name, _task_label(entry.event, titles)
        by_group = groups[_section_key(entry.event)]
        by_group.setdefault((person, task), ReviewGroup(person=person, task=task)).entries.append(entry)
    return [
        ReviewSection(key=key, title=title, groups=[groups[key][group_key] for group_key in sorted(groups[key])])
        for key, title in SECTION_TITLES.items() if groups[key]
    ]


def past_reviews(*, limit: int = PAST_REVIEWS_SHOWN):
    return AuditReview.objects.select_related("reviewer").order_by("-id")[:limit]


def flagged_entries(*, limit: int = FLAGGED_SHOWN) -> list[ReviewEntry]:
    """Entries whose latest mark is a flag, newest flag first, with the flag's note."""
    superseded = AuditReviewMark.objects.filter(event_id=OuterRef("event_id"), id__gt=OuterRef("id"))
    marks = (AuditReviewMark.objects.filter(verdict=AuditReviewMark.Verdict.FLAGGED)
             .exclude(Exists(superseded)).select_related("event__actor", "reviewer").order_by("-id")[:limit])
    return [ReviewEntry(event=mark.event, mark=mark, admin_url=_event_admin_url(mark.event)) for mark in marks]


def event_number_from(value, *, name: str) -> int:
    """An event number typed into a form; a clear refusal naming the field otherwise."""
    try:
        number = int(str(value).strip().lstrip("#"))
    except (TypeError, ValueError):
        raise OpsError(NOT_AN_EVENT_NUMBER.format(name=name), field=name) from None
    if number < 1:
        raise OpsError(NOT_AN_EVENT_NUMBER.format(name=name), field=name)
    return number
