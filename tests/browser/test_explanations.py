"""From a failed batch to its explanation and the pre-filled reprocess task, in a real browser."""

import pytest
from playwright.sync_api import expect

from batches.models import Batch, BatchEntry
from opsconsole.models import TaskRun
from tests.factories import make_batch, make_batch_entry

pytestmark = pytest.mark.browser


def test_a_failed_batch_explains_itself_and_offers_reprocessing(page, live_server, login, transactional_db):
    batch = make_batch(status=Batch.Status.FAILED, failure_reason="File rejected by the bank")
    make_batch_entry(batch=batch, status=BatchEntry.Status.PENDING)
    bad = make_batch_entry(batch=batch, status=BatchEntry.Status.REJECTED, validation_error="BSB 999-999 is not valid")
    login(page, live_server, "ops")
    page.goto(f"{live_server.url}/batches/batch/")
    page.get_by_role("link", name=batch.reference).click()

    panel = page.locator("#explanations")
    expect(panel).to_contain_text("Why has this batch not been processed?")
    expect(panel).to_contain_text(f"The bank rejected batch {batch.reference}")
    expect(panel).to_contain_text(f"Entry {bad.trace_number}")
    expect(panel.get_by_role("link", name="BSB 999-999 is not valid")).to_be_visible()

    panel.get_by_role("link", name="Reprocess a bank batch").click()
    expect(page.get_by_label("Type the batch reference to confirm")).to_have_value(batch.reference)
    page.get_by_role("button", name="Preview the change").click()
    page.get_by_label("Reason").fill("Bank asked us to resend after fixing their side")
    page.get_by_role("button", name="Confirm and run").click()

    expect(page.locator("#run-summary")).to_contain_text(f"Batch {batch.reference} resubmitted")
    run = TaskRun.objects.get()
    assert run.tally == {"resubmitted": 1, "skipped: invalid account details": 1}
