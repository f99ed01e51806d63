"""Importing a Zendesk export in a real browser, as a support engineer moving the queue: the
button above the ticket list, the file, the recognised columns, the rows checked, the run's
progress page, and the tickets on the list."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from support.models import Ticket

pytestmark = pytest.mark.browser
ZENDESK_EXPORT = Path(__file__).parent.parent / "fixtures" / "trackers" / "zendesk_tickets.csv"


def test_an_engineer_imports_a_zendesk_export_from_the_ticket_list(page, live_server, login, transactional_db,
                                                                   tmp_path):
    login(page, live_server, "engineer")
    page.goto(f"{live_server.url}/support/ticket/")
    page.get_by_role("link", name="Import from Zendesk or Jira").click()

    page.set_input_files('input[name="file"]', str(ZENDESK_EXPORT))
    page.get_by_role("button", name="Read the file").click()
    expect(page.locator("#tracker-import-summary")).to_contain_text("Recognised as a Zendesk ticket export")
    expect(page.locator('select[name="column-subject"]')).to_have_value("Subject")
    page.locator('select[name="time_zone"]').select_option("Australia/Sydney")
    page.screenshot(path=str(tmp_path / "mapping.png"), full_page=True)
    page.get_by_role("button", name="Check every row").click()

    expect(page.locator("#tracker-import-totals")).to_contain_text("4 to import")
    expect(page.locator("#tracker-import-rows tbody tr")).to_have_count(4)
    page.locator('textarea[name="reason"]').fill("Moving the support queue off Zendesk")
    page.screenshot(path=str(tmp_path / "rows.png"), full_page=True)
    page.get_by_role("button", name="Import 4 rows").click()

    expect(page.locator("body")).to_contain_text("Succeeded")
    expect(page.locator("body")).to_contain_text("4 created")
    assert Ticket.objects.filter(source="zendesk").count() == 4
    page.goto(f"{live_server.url}/support/ticket/")
    expect(page.locator("#result_list")).to_contain_text("Callbacks stopped since 9am")
