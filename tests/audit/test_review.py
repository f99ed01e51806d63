"""The lead's daily review: the entries since the last review, grouped by person and task with the
high-risk runs first; marking, flagging with a note, completing; who may do it; and a page whose
number of queries does not grow with the entries."""

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import review
from audit.models import AuditEvent, AuditReview, AuditReviewMark
from audit.review import review_stretch
from audit.services.recording import record_event
from audit.services.review import (
    ALREADY_REVIEWED,
    FLAG_NEEDS_NOTE,
    OWN_ENTRY,
    review_complete,
    review_mark,
    review_mark_remaining,
)
from opsconsole.errors import OpsError
from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_request
from payments.models import ItemState
from tests.factories import make_customer, make_item
from tests.test_admin_access import sidebar_links

REVIEWED, FLAGGED = AuditReviewMark.Verdict.REVIEWED, AuditReviewMark.Verdict.FLAGGED
PAGE = "/audit/review/"


def run_task(user, slug, target, raw_params=None, reason="Customer asked by phone") -> TaskRun:
    return task_run_request(slug=slug, target_id=target.pk, raw_params=raw_params or {}, reason=reason,
                            origin=Origin(user=user, source=TaskRun.Source.WEB, ip_address="203.0.113.9"))


def export_event(person, summary="Customers exported") -> AuditEvent:
    return record_event(AuditEvent.Action.EXPORT, actor=person, summary=summary)


def groups_of(stretch) -> dict[str, list[tuple[str, str, int]]]:
    return {section.key: [(group.person, group.task, len(group.entries)) for group in section.groups]
            for section in stretch.sections}


def mark_everything(stretch, reviewer) -> None:
    for entry in stretch.entries:
        review_mark(reviewer=reviewer, event_id=entry.event.pk, verdict=REVIEWED)


# --- What is under review ---------------------------------------------------------------------

def test_entries_since_the_last_review_come_grouped_by_person_and_task_with_high_risk_runs_first(staff):
    ops, engineer = staff["ops"], staff["engineer"]
    run_task(ops, "change-email", make_customer(), {"new_email": "new@example.com"})
    run_task(ops, "release-risk-hold", make_item(state=ItemState.PAYMENT_HELD))
    run_task(staff["nobody"], "change-email", make_customer(), {"new_email": "other@example.com"})
    record_event(AuditEvent.Action.LOGIN_FAILED, outcome=AuditEvent.Outcome.FAILURE, actor_name="mallory",
                 summary="Wrong username or password for 'mallory'")
    export_event(engineer)
    record_event(AuditEvent.Action.LOGIN, actor=ops, summary="Signed in")
    record_event(AuditEvent.Action.LOGIN, actor=ops, summary="Signed in")
    record_event(AuditEvent.Action.LOGOUT, actor=engineer, summary="Signed out")

    stretch = review_stretch()

    assert groups_of(stretch) == {
        "high_risk": [("ops", "Release an item's payment from risk review", 1)],
        "failures": [("mallory", "Sign-in failed", 1), ("nobody", "Change a customer's email", 1)],
        "rest": [("engineer", "Data exported", 1), ("ops", "Change a customer's email", 2)],
    }
    assert [section.key for section in stretch.sections] == ["high_risk", "failures", "rest"]
    # Successful sign-ins and sign-outs are counted per person, not listed.
    assert not any(entry.event.action in (AuditEvent.Action.LOGIN, AuditEvent.Action.LOGOUT)
                   for entry in stretch.entries)
    assert [(row.person, row.signed_in, row.signed_out) for row in stretch.counted] == [
        ("engineer", 0, 1), ("ops", 2, 0)]
    assert stretch.entry_count == 6 and stretch.unmarked_count == 6


def test_the_page_shows_the_groups_in_that_order_and_says_sign_ins_are_counted(staff, client_as):
    export_event(staff["ops"])
    high_risk = record_event(AuditEvent.Action.TASK_REQUESTED, actor=staff["ops"], task_slug="release-risk-hold",
                             high_risk=True, summary="Release: buyer verified")
    record_event(AuditEvent.Action.LOGIN, actor=staff["ops"], summary="Signed in")

    page = client_as("lead").get(PAGE).content.decode()

    assert page.index('id="review-high_risk"') < page.index('id="review-rest"')
    assert f'id="review-entry-{high_risk.pk}"' in page
    assert "Successful sign-ins and sign-outs, and earlier reviews, are counted per person" in page
    assert 'id="review-counted"' in page


# --- Marking ----------------------------------------------------------------------------------

def test_a_later_mark_supersedes_an_earlier_one_and_both_stay_on_record(staff):
    event = export_event(staff["ops"])
    review_mark(reviewer=staff["lead"], event_id=event.pk, verdict=REVIEWED)
    review_mark(reviewer=staff["lead"], event_id=event.pk, verdict=FLAGGED, note="Exported every customer")

    (entry,) = review_stretch().entries
    assert (entry.mark.verdict, entry.mark.note) == (FLAGGED, "Exported every customer")
    assert AuditReviewMark.objects.filter(event=event).count() == 2


def test_a_flag_without_a_note_is_refused_naming_the_note_field_and_records_nothing(staff):
    event = export_event(staff["ops"])
    with pytest.raises(OpsError) as refusal:
        review_mark(reviewer=staff["lead"], event_id=event.pk, verdict=FLAGGED, note="   ")
    assert refusal.value.field == "note" and refusal.value.message == FLAG_NEEDS_NOTE
    assert not AuditReviewMark.objects.exists()


def test_the_page_refuses_a_flag_without_a_note_beside_the_entry(staff, client_as):
    client = client_as("lead")
    event = export_event(staff["ops"])
    events_before = AuditEvent.objects.count()

    response = client.post(PAGE, {"action": "mark", "event": event.pk, "verdict": FLAGGED, "note": ""})

    assert response.status_code == 400
    assert FLAG_NEEDS_NOTE in response.content.decode()
    assert not AuditReviewMark.objects.exists() and AuditEvent.objects.count() == events_before


def test_the_lead_flags_an_entry_with_a_note_from_the_page(staff, client_as):
    event = export_event(staff["ops"])
    response = client_as("lead").post(PAGE, {"action": "mark", "event": event.pk, "verdict": FLAGGED,
                                             "note": "No ticket asked for this export"}, follow=True)
    assert f"#{event.pk} marked flagged." in response.content.decode()
    flagged = response.context["flagged"]
    assert [(entry.event, entry.mark.note) for entry in flagged] == [(event, "No ticket asked for this export")]


def test_an_entry_an_earlier_review_covered_cannot_be_marked(staff):
    event = export_event(staff["ops"])
    review_mark(reviewer=staff["lead"], event_id=event.pk, verdict=REVIEWED)
    review_complete(reviewer=staff["lead"], through_id=event.pk)
    with pytest.raises(OpsError) as refusal:
        review_mark(reviewer=staff["lead"], event_id=event.pk, verdict=FLAGGED, note="Second thoughts")
    assert refusal.value.field == "event"


def test_mark_all_remaining_marks_only_what_the_page_showed_and_keeps_flags(staff):
    flagged, plain = export_event(staff["ops"]), export_event(staff["ops"])
    review_mark(reviewer=staff["lead"], event_id=flagged.pk, verdict=FLAGGED, note="Too broad")
    shown_through = review_stretch().through_id
    arrived_later = export_event(staff["engineer"])

    assert review_mark_remaining(reviewer=staff["lead"], through_id=shown_through) == 1

    marks = {entry.event.pk: entry.mark and entry.mark.verdict for entry in review_stretch().entries}
    assert marks == {flagged.pk: FLAGGED, plain.pk: REVIEWED, arrived_later.pk: None}


# --- Completing -------------------------------------------------------------------------------

def test_completing_records_the_review_and_its_event_and_the_next_review_starts_after_it(staff):
    lead = staff["lead"]
    first, _, third = (export_event(staff["ops"], f"Export {n}") for n in (1, 2, 3))
    review_mark(reviewer=lead, event_id=first.pk, verdict=FLAGGED, note="No ticket for this")
    review_mark_remaining(reviewer=lead, through_id=review_stretch().through_id)

    completed = review_complete(reviewer=lead, through_id=third.pk, note="Quiet day")

    assert (completed.reviewer, completed.first_event_id, completed.last_event_id) == (lead, first.pk, third.pk)
    assert (completed.event_count, completed.flagged_count, completed.note) == (3, 1, "Quiet day")
    recorded = AuditEvent.objects.get(action=AuditEvent.Action.REVIEW)
    assert recorded.actor == lead
    assert recorded.summary == f"Reviewed #{first.pk}–#{third.pk}: 3 entries, 1 flagged"
    assert (recorded.object_type.model, recorded.object_id) == ("auditreview", str(completed.pk))

    after = export_event(staff["ops"], "Export 4")
    next_stretch = review_stretch()
    assert next_stretch.after_id == third.pk
    assert [entry.event for entry in next_stretch.entries] == [after]
    # The review's own record is counted, not listed for another review.
    assert [(row.person, row.reviews) for row in next_stretch.counted] == [("lead", 1)]


def test_completing_with_unmarked_entries_is_refused_saying_how_many_remain(staff):
    first, _, third = (export_event(staff["ops"], f"Export {n}") for n in range(3))
    review_mark(reviewer=staff["lead"], event_id=first.pk, verdict=REVIEWED)

    with pytest.raises(OpsError, match="2 entries still unmarked"):
        review_complete(reviewer=staff["lead"], through_id=third.pk)
    assert not AuditReview.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVIEW).exists()


def test_the_page_refuses_to_complete_with_unmarked_entries(staff, client_as):
    event = export_event(staff["ops"])
    response = client_as("lead").post(PAGE, {"action": "complete", "through": event.pk})
    assert response.status_code == 400
    assert "1 entry still unmarked" in response.content.decode()
    assert not AuditReview.objects.exists()


def test_a_second_completion_from_a_stale_page_is_refused(staff):
    """Two leads with the page open: the second to complete finds the stretch already covered."""
    event = export_event(staff["ops"])
    review_mark(reviewer=staff["lead"], event_id=event.pk, verdict=REVIEWED)
    review_complete(reviewer=staff["lead"], through_id=event.pk)

    with pytest.raises(OpsError) as refusal:
        review_complete(reviewer=staff["root"], through_id=event.pk)
    assert refusal.value.message == ALREADY_REVIEWED
    assert AuditReview.objects.count() == 1


def test_two_leads_completing_at_once_record_one_review(transactional_db, staff):
    """Each completion runs in its own thread and transaction, released together: the review lock
    makes the second wait for the first and then find the stretch covered."""
    event = export_event(staff["ops"])
    review_mark(reviewer=staff["lead"], event_id=event.pk, verdict=REVIEWED)
    start_together = threading.Barrier(2)
    outcomes = []

    def complete_as(reviewer):
        start_together.wait()
        try:
            review_complete(reviewer=reviewer, through_id=event.pk)
            outcomes.append("completed")
        except OpsError as refusal:
            outcomes.append(refusal.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=complete_as, args=(staff[person],)) for person in ("lead", "root")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == sorted(["completed", ALREADY_REVIEWED])
    assert AuditReview.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVIEW).count() == 1


def test_the_lead_completes_a_review_from_the_page_and_sees_it_listed(staff, client_as):
    client = client_as("lead")
    first, last = export_event(staff["ops"]), export_event(staff["engineer"])
    client.post(PAGE, {"action": "mark", "event": first.pk, "verdict": FLAGGED, "note": "Check with ops"})
    client.post(PAGE, {"action": "mark_remaining", "through": last.pk})
    response = client.post(PAGE, {"action": "complete", "through": last.pk}, follow=True)

    (listed,) = response.context["past_reviews"]
    assert (listed.reviewer, listed.event_count, listed.flagged_count) == (staff["lead"], 2, 1)
    # The stretch starts with the lead's own sign-in, counted rather than listed.
    assert listed.first_event_id < first.pk and listed.last_event_id == last.pk
    page = response.content.decode()
    assert f"Review of #{listed.first_event_id}–#{last.pk} completed: 2 entries, 1 flagged." in page
    assert response.context["stretch"].entries == []


def test_a_long_stretch_is_reviewed_in_parts_oldest_first(staff, client_as, monkeypatch):
    monkeypatch.setattr(review, "REVIEW_PAGE_LIMIT", 3)
    events = [export_event(staff["ops"], f"Export {n}") for n in range(5)]

    stretch = review_stretch()
    assert [entry.event for entry in stretch.entries] == events[:3]
    assert (stretch.through_id, stretch.more_remain) == (events[2].pk, 2)
    assert "Only the oldest 3 entries are shown. 2 more come up" in client_as("lead").get(PAGE).content.decode()

    review_mark_remaining(reviewer=staff["lead"], through_id=events[-1].pk)
    review_complete(reviewer=staff["lead"], through_id=events[-1].pk)
    assert AuditReview.objects.get().last_event_id == events[2].pk
    assert [entry.event for entry in review_stretch().entries] == events[3:]


# --- Who may review ---------------------------------------------------------------------------

@pytest.mark.parametrize("person", ["lead", "root"])
def test_the_lead_and_a_superuser_open_the_review_and_see_it_in_the_sidebar(person, staff, client_as):
    client = client_as(person)
    assert client.get(PAGE).status_code == 200
    assert sidebar_links(client).get("Daily review") == reverse("audit-review")


@pytest.mark.parametrize("person", ["ops", "auditor", "engineer", "developer", "nobody"])
def test_everyone_else_is_refused_and_changes_nothing(person, staff, client_as):
    event = export_event(staff["ops"])
    client = client_as(person)
    assert client.get(PAGE).status_code == 403
    for posted in ({"action": "mark", "event": event.pk, "verdict": REVIEWED},
                   {"action": "mark_remaining", "through": event.pk},
                   {"action": "complete", "through": event.pk}):
        assert client.post(PAGE, posted).status_code == 403
    assert not AuditReviewMark.objects.exists() and not AuditReview.objects.exists()
    assert "Daily review" not in sidebar_links(client)


# --- A page that does not grow its queries with the entries ----------------------------------

def add_entries(staff, count: int) -> None:
    """Entries of several people and tasks, some high-risk, some failed, some marked or flagged."""
    people = [staff["ops"], staff["engineer"], staff["lead"]]
    for n in range(count):
        person = people[n % 3]
        if n % 5 == 0:
            event = record_event(AuditEvent.Action.TASK_REQUESTED, actor=person, task_slug="release-risk-hold",
                                 high_risk=True, summary=f"Release {n}")
        elif n % 5 == 1:
            event = record_event(AuditEvent.Action.TASK_REFUSED, actor=person, task_slug="change-email",
                                 outcome=AuditEvent.Outcome.FAILURE, summary=f"Refused {n}")
        else:
            event = export_event(person, f"Export {n}")
        record_event(AuditEvent.Action.LOGIN, actor=person, summary="Signed in")
        reviewer = staff["root"] if person == staff["lead"] else staff["lead"]  # nobody reviews their own
        if n % 4 == 0:
            review_mark(reviewer=reviewer, event_id=event.pk, verdict=FLAGGED, note=f"Why {n}?")
        elif n % 4 == 1:
            review_mark(reviewer=reviewer, event_id=event.pk, verdict=REVIEWED)


def queries_to_show_the_page(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    assert response.status_code == 200
    return len(queries)


def test_the_page_reads_as_many_queries_for_50_entries_as_for_5(staff, client_as):
    client = client_as("lead")
    completed = export_event(staff["ops"])
    review_mark(reviewer=staff["lead"], event_id=completed.pk, verdict=FLAGGED, note="Earlier flag")
    review_complete(reviewer=staff["lead"], through_id=completed.pk)
    add_entries(staff, 5)
    client.get(PAGE)  # the first request fills per-process caches (content types, the sidebar)
    with_five = queries_to_show_the_page(client)

    add_entries(staff, 45)
    with_fifty = queries_to_show_the_page(client)

    assert len(review_stretch().entries) == 50
    assert with_fifty == with_five


def test_nobody_reviews_their_own_actions_another_reviewer_marks_them(staff):
    own = run_task(staff["lead"], "release-risk-hold", make_item(state=ItemState.PAYMENT_HELD))
    [own_event] = [entry.event for entry in review_stretch().entries if entry.event.task_run_id == own.pk]
    others = export_event(staff["ops"])
    with pytest.raises(OpsError) as refusal:
        review_mark(reviewer=staff["lead"], event_id=own_event.pk, verdict=REVIEWED)
    assert refusal.value.message == OWN_ENTRY
    assert review_mark_remaining(reviewer=staff["lead"], through_id=others.pk) == len(review_stretch().entries) - 1
    with pytest.raises(OpsError, match="1 entry left unmarked is your own actions: another reviewer must mark"):
        review_complete(reviewer=staff["lead"], through_id=others.pk)
    assert not AuditReview.objects.exists()

    review_mark(reviewer=staff["root"], event_id=own_event.pk, verdict=REVIEWED)
    entries = len(review_stretch(through_id=others.pk).entries)
    assert review_complete(reviewer=staff["lead"], through_id=others.pk).event_count == entries


def test_the_page_offers_no_mark_on_the_reviewers_own_entries(staff, client_as):
    own, others = export_event(staff["lead"], "Lead's export"), export_event(staff["ops"], "Ops export")
    page = client_as("lead").get(PAGE).content.decode()
    own_row = page[page.index(f'id="review-entry-{own.pk}"'):page.index(f'id="review-entry-{own.pk}"') + 3000]
    others_row = page[page.index(f'id="review-entry-{others.pk}"'):page.index(f'id="review-entry-{others.pk}"') + 3000]
    assert "data-own-entry" in own_row.split("</tr>")[0] and 'class="review-mark' not in own_row.split("</tr>")[0]
    assert 'class="review-mark' in others_row.split("</tr>")[0]
