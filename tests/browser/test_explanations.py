"""In a real browser: from a failed batch to its explanation and the pre-filled reprocess task, and
from the search box to a stuck item, its explanation and its timeline."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from batches.models import Batch, BatchEntry, Direction
from opsconsole.models import TaskRun
from payments.models import Charge, ItemState, PaymentMethod
from tests.factories import make_batch, make_batch_entry, make_charge, make_item, make_item_state_change

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


def test_from_the_search_box_to_a_stuck_item_its_explanation_and_its_timeline(page, live_server, login,
                                                                              transactional_db):
    sydney = ZoneInfo("Australia/Sydney")
    day = timezone.now().astimezone(sydney).date()
    cutoff = datetime.datetime.combine(day, datetime.time(16), tzinfo=sydney)
    item = make_item(external_id="ITM-STUCK-77", state=ItemState.PAYMENT_PENDING,
                     payment_method=PaymentMethod.DIRECT_DEBIT)
    make_item_state_change(item=item, from_state=ItemState.PAYMENT_REQUIRED, to_state=ItemState.PAYMENT_PENDING,
                           cause="Payment submitted (API: PATCH /items/:id/make_payment)")
    charge = make_charge(item=item, status=Charge.Status.PENDING, response_code="")
    batch = make_batch(direction=Direction.DEBIT, processing_date=day, cutoff_at=cutoff,
                       status=Batch.Status.ACKNOWLEDGED, submitted_at=cutoff + datetime.timedelta(minutes=7),
                       acknowledged_at=cutoff + datetime.timedelta(minutes=20))
    make_batch_entry(batch=batch, charge=charge, status=BatchEntry.Status.SUBMITTED)
    login(page, live_server, "ops")

    search = page.locator("#console-search-box").get_by_role("searchbox", name="Search")
    search.fill("ITM-STUCK-77")
    search.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/payments/item/{item.pk}/change/")
    panel = page.locator("#explanations")
    expect(panel).to_contain_text("Why is this item in its state?")
    expect(panel).to_contain_text(re.compile(rf"went into batch {batch.reference}, submitted at \w{{3}} \d+ \w{{3}} "
                                             rf"\d{{4}}, 16:07 AE[DS]T, after that day's 16:00 AE[DS]T cut-off"))
    timeline = page.locator(".ops-timeline")
    expect(timeline).to_contain_text("Payment submitted (API: PATCH /items/:id/make_payment)")
    expect(timeline).to_contain_text(batch.reference)
    expect(timeline).to_contain_text(charge.gateway_reference)
