"""The daily review page (`/audit/review/`): the entries since the last review to mark, the
reviews completed so far and the entries flagged. Reading it and every POST need
`audit.review_auditevent`; the decisions are `audit.services.review`'s."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from audit.models import AuditReviewMark
from audit.review import REVIEW_PERMISSION, event_number_from, flagged_entries, past_reviews, review_stretch
from audit.services.review import review_complete, review_mark, review_mark_remaining
from opsconsole.errors import OpsError

MARK, MARK_REMAINING, COMPLETE = "mark", "mark_remaining", "complete"
CHOOSE_AN_ACTION = "Choose mark, mark all remaining reviewed, or complete the review."


def _act(request) -> str:
    """Carry the pressed button's fields to its service; the message to show once done."""
    action, posted = request.POST.get("action"), request.POST
    if action == MARK:
        event_id = event_number_from(posted.get("event"), name="event")
        mark = review_mark(reviewer=request.user, event_id=event_id, verdict=posted.get("verdict", ""),
                           note=posted.get("note", ""))
        return f"#{event_id} marked {mark.get_verdict_display().lower()}."
    if action == MARK_REMAINING:
        marked = review_mark_remaining(reviewer=request.user,
                                       through_id=event_number_from(posted.get("through"), name="through"))
        return f"{marked} entr{'y' if marked == 1 else 'ies'} marked reviewed."
    if action == COMPLETE:
        completed = review_complete(reviewer=request.user,
                                    through_id=event_number_from(posted.get("through"), name="through"),
                                    note=posted.get("note", ""), request=request)
        return (f"Review of #{completed.first_event_id}–#{completed.last_event_id} completed: "
                f"{completed.event_count} entr{'y' if completed.event_count == 1 else 'ies'}, "
                f"{completed.flagged_count} flagged.")
    raise OpsError(CHOOSE_AN_ACTION, field="action")


def audit_review_page(request):
    """GET: the review under way. POST (`action` and its fields): one step, then back to the
    page; a refusal shows the page again with the message, next to the entry it concerns."""
    if not request.user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    problem, status = None, 200
    if request.method == "POST":
        try:
            done = _act(request)
        except OpsError as refusal:
            problem, status = refusal, 400
        else:
            messages.success(request, done)
            return redirect(reverse("audit-review"))
    stretch = review_stretch()
    # A refused mark's message and typed note show beside its entry; any other refusal on top.
    problem_event = request.POST.get("event", "") if problem and request.POST.get("action") == MARK else ""
    if not any(str(entry.event.pk) == problem_event for entry in stretch.entries):
        problem_event = ""
    context = {
        **admin.site.each_context(request),
        "title": "Daily review of the audit trail",
        "stretch": stretch,
        "past_reviews": past_reviews(),
        "flagged": flagged_entries(),
        "verdicts": AuditReviewMark.Verdict,
        "problem": problem,
        "problem_event": problem_event,
        "typed_note": request.POST.get("note", "") if problem else "",
    }
    return TemplateResponse(request, "audit/review.html", context, status=status)
