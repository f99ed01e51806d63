"""The daily review's writes: marking entries under review, and completing the review.

A mark is a verdict on one listed entry (reviewed, or flagged with a note); a later mark on the
same entry supersedes it, and nobody marks their own actions. Completing needs every listed entry
of the stretch the page showed marked, records an `AuditReview` and an `audit.review` event, and
is serialised, so two completions never cover the same entries. What the review lists is read in
`audit.review`.
"""

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent, AuditReview, AuditReviewMark
from audit.review import event_awaiting_review, last_reviewed_event_id, review_stretch
from audit.services.recording import record_event
from opsconsole.advisory_locks import AUDIT_REVIEW, advisory_xact_lock
from opsconsole.errors import OpsError

UNKNOWN_VERDICT = "Choose a verdict: reviewed or flagged."
FLAG_NEEDS_NOTE = "A flag needs a note: write in the note what is wrong with the entry."
NOT_UNDER_REVIEW = "That entry is not waiting for review: an earlier review covered it, or it is counted, not listed."
OWN_ENTRY = "Nobody reviews their own actions: another reviewer must mark this entry."
OWN_ENTRIES_REMAIN = ("{count} entr{plural} left unmarked {are} your own actions: another reviewer must mark "
                      "them before the review can be completed.")
NOTHING_TO_REVIEW = "There is nothing to review since the last review."
ALREADY_REVIEWED = ("Another review has covered these entries since the page was opened; "
                    "the page now shows what is left.")
UNMARKED_REMAIN = ("{count} entr{plural} still unmarked: mark each one reviewed or flagged, "
                   "or mark all remaining reviewed.")
REVIEW_SUMMARY = "Reviewed #{first}–#{last}: {count} entr{plural}, {flagged} flagged"


def review_mark(*, reviewer, event_id: int, verdict: str, note: str = "") -> AuditReviewMark:
    """Mark one entry under review; a later mark on the same entry supersedes this one."""
    note = (note or "").strip()
    if verdict not in AuditReviewMark.Verdict.values:
        raise OpsError(UNKNOWN_VERDICT, field="verdict")
    if verdict == AuditReviewMark.Verdict.FLAGGED and not note:
        raise OpsError(FLAG_NEEDS_NOTE, field="note")
    event = event_awaiting_review(event_id=event_id)
    if event is None:
        raise OpsError(NOT_UNDER_REVIEW, field="event")
    if event.actor_id == reviewer.pk:
        raise OpsError(OWN_ENTRY, field="event")
    return AuditReviewMark.objects.create(event=event, reviewer=reviewer, marked_at=timezone.now(),
                                          verdict=verdict, note=note)


def review_mark_remaining(*, reviewer, through_id: int) -> int:
    """Mark reviewed every unmarked entry the page showed (through #`through_id`, so nothing
    that arrived after it was read is marked unseen), but the reviewer's own, which another
    reviewer must mark. Returns how many were marked."""
    stretch = review_stretch(through_id=through_id)
    marked_at = timezone.now()
    marks = [AuditReviewMark(event=entry.event, reviewer=reviewer, marked_at=marked_at,
                             verdict=AuditReviewMark.Verdict.REVIEWED)
             for entry in stretch.entries if entry.mark is None and entry.event.actor_id != reviewer.pk]
    AuditReviewMark.objects.bulk_create(marks)
    return len(marks)


def _lock_reviews() -> None:
    """Completions are serialised so a second one sees the first and cannot cover the same
    entries. SQLite's writers already queue for the database lock (transactions begin
    IMMEDIATE); PostgreSQL's take a transaction-scoped advisory lock: there may be no review row
    yet to lock with SELECT … FOR UPDATE."""
    advisory_xact_lock(AUDIT_REVIEW)


def review_complete(*, reviewer, through_id: int, note: str = "", request=None) -> AuditReview:
    """Complete the review of the stretch the page showed (through #`through_id`): every
    listed entry must be marked. Records the review and an `audit.review` event."""
    with transaction.atomic():
        _lock_reviews()
        if through_id <= last_reviewed_event_id():
            raise OpsError(ALREADY_REVIEWED)
        stretch = review_stretch(through_id=through_id)
        if not stretch.entry_count:
            raise OpsError(NOTHING_TO_REVIEW)
        if stretch.unmarked_count:
            count = stretch.unmarked_count
            own = sum(1 for entry in stretch.entries if entry.mark is None and entry.event.actor_id == reviewer.pk)
            if own == count:
                raise OpsError(OWN_ENTRIES_REMAIN.format(count=count, plural="y" if count == 1 else "ies",
                                                         are="is" if count == 1 else "are"))
            raise OpsError(UNMARKED_REMAIN.format(count=count, plural="y" if count == 1 else "ies"))
        review = AuditReview.objects.create(
            reviewer=reviewer, completed_at=timezone.now(), first_event_id=stretch.first_id,
            last_event_id=stretch.through_id, event_count=stretch.entry_count,
            flagged_count=stretch.flagged_count, note=(note or "").strip(),
        )
        summary = REVIEW_SUMMARY.format(first=review.first_event_id, last=review.last_event_id,
                                        count=review.event_count, plural="y" if review.event_count == 1 else "ies",
                                        flagged=review.flagged_count)
        record_event(AuditEvent.Action.REVIEW, actor=reviewer, request=request, target=review, summary=summary,
                     details={"first_event_id": review.first_event_id, "last_event_id": review.last_event_id,
                              "entries": review.event_count, "flagged": review.flagged_count})
    return review
