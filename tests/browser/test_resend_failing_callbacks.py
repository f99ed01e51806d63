"""A support engineer selects a platform's failing callbacks in the callbacks list, sees on the task
page how many will be resent and which are skipped, and confirms one run that resends them."""

import re

import pytest
from playwright.sync_api import expect

from opsconsole.admin_urls import run_page_url
from opsconsole.models import TaskRun
from payments.models import Callback
from tests.factories import make_callback, make_platform

pytestmark = pytest.mark.browser


def test_an_engineer_resends_selected_failing_callbacks_from_the_list(page, live_server, login, transactional_db):
    platform = make_platform(name="Tradie Hub")
    failing = [make_callback(platform=platform, status=Callback.Status.FAILING) for _ in range(2)]
    delivered = make_callback(platform=platform, status=Callback.Status.DELIVERED)
    left_alone = make_callback(platform=platform, status=Callback.Status.FAILING)
    login(page, live_server, "engineer")
    page.goto(f"{live_server.url}/payments/callback/?platform__id__exact={platform.pk}")
    for callback in (*failing, delivered):
        page.locator(f'input[name="_selected_action"][value="{callback.pk}"]').check()
    page.locator('select[name="action"]').select_option(label="Resend selected failing callbacks")
    page.get_by_role("button", name="Run", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/tasks/resend-failing-callbacks/{platform.pk}/\?"))
    expect(page.get_by_label("Callback ids")).to_have_value(" ".join(str(c.pk) for c in (*failing, delivered)))
    page.get_by_role("button", name="Preview the change").click()
    diff = page.locator("[data-diff]")
    expect(diff).to_contain_text("2 callbacks of Tradie Hub")
    expect(diff).to_contain_text(f"Callback #{delivered.pk}: skipped")
    expect(diff).to_contain_text("unchanged: delivered since")
    expect(page.get_by_text("Nothing has been changed yet.")).to_be_visible()

    page.get_by_label("Reason").fill("Their endpoint is fixed; they asked for the missed callbacks")
    page.get_by_role("button", name="Confirm and run").click()
    run = TaskRun.objects.get(task_slug="resend-failing-callbacks")
    expect(page).to_have_url(f"{live_server.url}{run_page_url(run)}")
    expect(page.locator("#run-summary")).to_contain_text("2 callbacks of Tradie Hub will be delivered again")
    statuses = {callback.pk: Callback.objects.get(pk=callback.pk).status
                for callback in (*failing, delivered, left_alone)}
    assert statuses == {failing[0].pk: Callback.Status.PENDING, failing[1].pk: Callback.Status.PENDING,
                        delivered.pk: Callback.Status.DELIVERED, left_alone.pk: Callback.Status.FAILING}
