"""The lead's daily review in a real browser: flag one entry with a note, mark the rest, complete
the review and find it among the completed reviews."""

import pytest
from playwright.sync_api import expect

from audit.models import AuditEvent, AuditReview
from audit.services.recording import record_event

pytestmark = pytest.mark.browser


def test_the_lead_flags_an_entry_marks_the_rest_and_completes_the_review(page, live_server, login,
                                                                         transactional_db, staff):
    release = record_event(AuditEvent.Action.TASK_REQUESTED, actor=staff["ops"], task_slug="release-risk-hold",
                           high_risk=True, summary="Release an item's payment from risk review: buyer called")
    record_event(AuditEvent.Action.EXPORT, actor=staff["engineer"], summary="Customers exported")
    record_event(AuditEvent.Action.LOGIN_FAILED, outcome=AuditEvent.Outcome.FAILURE, actor_name="mallory",
                 summary="Wrong username or password for 'mallory'")
    login(page, live_server, "lead")

    page.locator('#nav-sidebar-apps a[href="/audit/review/"]').click()
    expect(page.locator("#review-high_risk")).to_contain_text("ops · Release an item's payment from risk review")
    release_row = page.locator(f"#review-entry-{release.pk}")
    release_row.get_by_label(f"Note on #{release.pk}").fill("No ticket asks for this release")
    release_row.get_by_role("button", name="Flag").click()
    expect(page.get_by_text(f"#{release.pk} marked flagged.")).to_be_visible()
    expect(page.locator(f"#review-entry-{release.pk}")).to_have_attribute("data-mark", "flagged")

    page.get_by_role("button", name="Complete the review").click()
    expect(page.locator("#review-problem")).to_contain_text("2 entries still unmarked")

    page.get_by_role("button", name="Mark all remaining reviewed").click()
    expect(page.get_by_text("2 entries marked reviewed.")).to_be_visible()
    page.get_by_label("Note on the review (optional)").fill("Release needs a word with ops")
    page.get_by_role("button", name="Complete the review").click()

    expect(page.get_by_text("completed: 3 entries, 1 flagged.")).to_be_visible()
    completed = AuditReview.objects.get()
    past = page.locator(f'#review-past tr[data-review="{completed.pk}"]')
    expect(past).to_contain_text("lead")
    expect(past).to_contain_text(f"#{completed.first_event_id}–#{completed.last_event_id}")
    expect(past).to_contain_text("Release needs a word with ops")
    expect(page.locator(f'#review-flagged tr[data-event="{release.pk}"]')).to_contain_text(
        "No ticket asks for this release")
    expect(page.locator("#review-nothing")).to_be_visible()
