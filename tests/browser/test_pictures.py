"""The pictures in a real browser: a demo item's timeline leading to its batch's pipeline, and the
dashboard's failed-batch count leading to the filtered list."""

import re

import pytest
from playwright.sync_api import expect

from demo.builder import DemoBuilder, demo_today
from demo.scenarios import FAILED_BATCH, LATE_BATCH, LATE_DIRECT_DEBIT_ITEM, DemoWorld, failed_batch, late_direct_debit
from payments.models import Item

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(staff, transactional_db):
    """The demo's world, with only the scenarios a test adds (demo/scenarios.py)."""
    return DemoWorld(DemoBuilder(seed=20250513, today=demo_today()), staff)


def test_ops_reads_a_late_direct_debits_timeline_and_follows_it_to_the_batch(page, live_server, login, demo):
    late_direct_debit(demo)
    item = Item.objects.get(external_id=LATE_DIRECT_DEBIT_ITEM)
    charge = item.charges.get()
    login(page, live_server, "ops")
    page.goto(f"{live_server.url}/payments/item/{item.pk}/change/")

    timeline = page.locator("#item-timeline")
    expect(timeline.get_by_role("heading", name=re.compile("Timeline"))).to_be_visible()
    steps = timeline.locator("li[data-kind]")
    expect(steps.filter(has_text="Created as pending")).to_contain_text("Item created (API: POST /items)")
    expect(steps.filter(has_text="Payment required → Payment pending")).to_contain_text(
        "Payment submitted (API: PATCH /items/:id/make_payment)")
    expect(steps.filter(has_text=f"Direct debit charge {charge.gateway_reference}: pending")).to_have_attribute(
        "data-kind", "charge")
    titles = timeline.locator(".ops-timeline-title").all_inner_texts()
    position = {step: next(n for n, title in enumerate(titles) if step in title)
                for step in ("Created as pending", "Pending → Payment required", "Payment required → Payment pending")}
    assert position["Created as pending"] < position["Pending → Payment required"] < position[
        "Payment required → Payment pending"], titles

    timeline.get_by_role("link",
                         name=f"Direct debit of charge {charge.gateway_reference} in batch {LATE_BATCH}").click()
    expect(page).to_have_url(re.compile(r"/batches/batch/\d+/change/$"))
    pipeline = page.locator("#batch-pipeline")
    expect(pipeline).to_contain_text("Submitted after the cut-off")
    submitted = pipeline.locator('[data-stage="submitted"]')
    expect(submitted).to_have_attribute("data-flagged", "")
    expect(submitted).to_contain_text("7 minutes after the cut-off: processed on the next business day")


def test_the_dashboard_counts_a_failed_batch_and_opens_the_filtered_list(page, live_server, login, demo):
    failed_batch(demo)
    login(page, live_server, "ops")
    failed = page.locator('#dashboard-headline a[data-metric^="Failed batches"]')
    expect(failed.locator(".ops-metric-count")).to_have_text("1")
    failed.click()
    expect(page).to_have_url(re.compile(r"/batches/batch/\?status__exact=failed&processing_date__gte=\d{4}-\d\d-\d\d$"))
    expect(page.get_by_role("link", name=FAILED_BATCH)).to_be_visible()
    page.get_by_role("link", name=FAILED_BATCH).click()
    pipeline = page.locator("#batch-pipeline")
    expect(pipeline).to_have_attribute("data-failed", "true")
    expect(pipeline.locator('[data-stage="failed"]')).to_contain_text("not a valid BSB")
