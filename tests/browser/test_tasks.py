"""Running tasks in a real browser: the whole change-email walk, a lead approving a high-risk
request from another session, and a run page whose progress bar moves on its own."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_request
from payments.models import ItemState
from tests.factories import make_customer, make_fee, make_item, make_item_fee

pytestmark = pytest.mark.browser


def test_ops_changes_an_email_from_the_customers_page(page, live_server, login, transactional_db):
    customer = make_customer(email="old.address@example.com")
    login(page, live_server, "ops")
    page.goto(f"{live_server.url}/accounts/customer/{customer.pk}/change/")
    # Three tasks beside the customer's name do not fit the header: they are in its Tasks menu.
    page.get_by_role("button", name="Tasks").click()
    page.locator("#task-menu-items").get_by_role("link", name="Change a customer's email").click()

    page.get_by_label("New email").fill("new.address@example.com")
    page.get_by_role("button", name="Preview the change").click()
    diff = page.locator("#task-confirm").locator("xpath=..")
    expect(diff).to_contain_text("old.address@example.com")
    expect(diff).to_contain_text("new.address@example.com")
    expect(page.get_by_text("Nothing has been changed yet.")).to_be_visible()

    page.get_by_role("button", name="Confirm and run").click()
    expect(page.locator("#task-confirm")).to_contain_text("A reason is required")
    page.get_by_label("Reason").fill("Customer asked by phone, identity checked")
    page.get_by_label("Ticket reference").fill("SUP-301")
    page.get_by_role("button", name="Confirm and run").click()

    run = TaskRun.objects.get(status=TaskRun.Status.SUCCEEDED)
    expect(page).to_have_url(f"{live_server.url}/opsconsole/taskrun/{run.pk}/change/")
    expect(page.locator("#run-summary")).to_contain_text(
        "Email changed from old.address@example.com to new.address@example.com")

    page.goto(f"{live_server.url}/accounts/customer/{customer.pk}/history/")
    expect(page.locator("body")).to_contain_text(f"Task run #{run.pk}")


def test_a_lead_approves_a_high_risk_request_in_another_session(browser, page, live_server, login, transactional_db):
    item = make_item(state=ItemState.PAYMENT_HELD)
    login(page, live_server, "ops")
    page.goto(f"{live_server.url}/tasks/release-risk-hold/{item.pk}/")
    page.get_by_role("button", name="Preview the change").click()
    page.get_by_label("Reason").fill("Buyer sent ID, order looks genuine")
    page.get_by_role("button", name="Request approval").click()
    expect(page.locator("#run-summary")).to_contain_text("Awaiting approval")
    run = TaskRun.objects.get()

    lead_context = browser.new_context()
    lead_page = lead_context.new_page()
    login(lead_page, live_server, "lead")
    lead_page.locator("#nav-sidebar-apps").get_by_role("link", name="Awaiting approval").click()
    lead_page.get_by_role("link", name=f"#{run.pk}").click()
    lead_page.get_by_label("Comment").fill("Checked the ID documents")
    lead_page.get_by_role("button", name="Approve").click()
    expect(lead_page.locator("#run-summary")).to_contain_text("payment deposited")
    lead_context.close()

    item.refresh_from_db()
    assert item.state == ItemState.PAYMENT_DEPOSITED
    page.reload()
    expect(page.locator("#run-summary")).to_contain_text("payment deposited")


def test_the_run_page_shows_progress_as_it_moves(page, live_server, login, staff, transactional_db):
    customer = make_customer()
    run = task_run_request(slug="change-email", target_id=customer.pk, raw_params={"new_email": "p@example.com"},
                           reason="progress display", origin=Origin(user=staff["ops"], source="web"))
    TaskRun.objects.filter(pk=run.pk).update(status=TaskRun.Status.RUNNING, progress_done=100, progress_total=400)
    login(page, live_server, "ops")
    page.goto(f"{live_server.url}/opsconsole/taskrun/{run.pk}/change/")
    expect(page.locator("#run-summary")).to_contain_text("100 of 400")
    TaskRun.objects.filter(pk=run.pk).update(progress_done=300)
    expect(page.locator("#run-summary")).to_contain_text("300 of 400", timeout=10_000)
    TaskRun.objects.filter(pk=run.pk).update(status=TaskRun.Status.SUCCEEDED, progress_done=400, outcome="All done")
    expect(page.locator("#run-summary")).to_contain_text("All done", timeout=10_000)


def test_ops_removes_a_seller_fee_by_choosing_it_from_the_items_fees(page, live_server, login, transactional_db):
    item = make_item(seller_fee_amount=0)
    waived = make_item_fee(item=item, fee=make_fee(platform=item.platform, name="Listing fee"), amount=700)
    make_item_fee(item=item, fee=make_fee(platform=item.platform, name="Old fee"), amount=300,
                  removed_at=timezone.now())
    item.seller_fee_amount = 700
    item.save()
    login(page, live_server, "ops")
    page.goto(f"{live_server.url}/tasks/remove-seller-fee/{item.pk}/")
    choice = page.get_by_label("Seller fee")
    expect(choice.locator("option")).to_have_text(["Choose the fee to remove", re.compile(r"Listing fee — .*7\.00")])
    choice.select_option(label=choice.locator("option").nth(1).inner_text())
    page.get_by_role("button", name="Preview the change").click()
    page.get_by_label("Reason").fill("Goodwill after a late delivery")
    page.get_by_role("button", name="Confirm and run").click()
    expect(page.locator("#run-summary")).to_contain_text("Removed Listing fee")
    waived.refresh_from_db()
    assert waived.removed_at is not None
