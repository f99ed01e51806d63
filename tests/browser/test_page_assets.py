"""In a real browser, a list page fetches neither chart.js nor the scripts of prepopulated fields
and everything on it still works: Alpine's components (the dark mode toggle, the command
palette), the date pickers of its filters, the actions' select-all. A page with a chart fetches
chart.js and draws its chart."""

import pytest
from playwright.sync_api import Page, expect

from support.models import TicketKind
from support.services.tickets import ticket_create
from tests.factories import make_item

pytestmark = pytest.mark.browser

CHART_JS = "/static/unfold/js/chart/chart.js"
PREPOPULATE_SCRIPTS = ("/static/admin/js/urlify.js", "/static/admin/js/prepopulate.js", "/xregexp/")

# The chart Chart.js drew on the section's canvas: its labels, and how many pixels it painted.
DRAWN_CHART = """(sectionId) => {
    const canvas = document.querySelector(`#${sectionId} canvas`);
    const chart = window.Chart && Chart.getChart(canvas);
    if (!chart) return null;
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let index = 3; index < pixels.length; index += 4) if (pixels[index]) painted += 1;
    return {labels: chart.data.labels, painted};
}"""


@pytest.fixture
def watched(page: Page) -> Page:
    """A page that records the URL of every request it makes and every script error."""
    page.requested, page.errors = [], []
    page.on("request", lambda request: page.requested.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def fetched(page: Page, *parts: str) -> list[str]:
    return [url for url in page.requested if any(part in url for part in parts)]


def test_a_list_page_works_without_chart_js_or_the_prepopulated_fields_scripts(watched, live_server, login, staff):
    page = watched
    items = [make_item() for _ in range(3)]
    login(page, live_server, "lead")
    page.requested.clear()
    page.goto(f"{live_server.url}/payments/item/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#result_list")).to_be_visible()
    assert fetched(page, CHART_JS) == [] and fetched(page, *PREPOPULATE_SCRIPTS) == []
    assert fetched(page, "/static/unfold/js/alpine/alpine.js") and fetched(page, "/static/admin/js/actions.js")
    # The fonts are preloaded the way their styles fetch them: each is fetched once.
    preloaded = page.eval_on_selector_all("link[rel=preload][as=font]", "links => links.map(link => link.href)")
    assert len(preloaded) == 4 and all(len(fetched(page, url)) == 1 for url in preloaded), page.requested

    # The actions' select-all checks every row.
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select:checked")).to_have_count(len(items))

    # The filter sheet opens, and its date range's calendar button opens the date picker.
    page.locator("a").filter(has_text="Filters").first.click()
    page.locator(".datetimeshortcuts .date-icon").first.click()
    expect(page.locator(".calendarbox").first).to_be_visible()

    # Alpine's components: Ctrl+E switches between light and dark, Ctrl+K opens the command palette.
    page.keyboard.press("Escape")
    page.keyboard.press("Control+e")
    expect(page.locator("html")).to_have_class("light")
    page.keyboard.press("Control+e")
    expect(page.locator("html")).to_have_class("dark")
    page.keyboard.press("Control+k")
    expect(page.locator("#search-input-command")).to_be_focused()
    assert page.errors == []


def test_the_reports_page_fetches_chart_js_and_draws_its_chart(watched, live_server, login, staff):
    page = watched
    ticket_create(kind=TicketKind.EXTERNAL_OPS_PROBLEM, subject="Card declined", description="Buyer asks why",
                  requester_name="Maria", requester_email="maria@platform.example.com")
    login(page, live_server, "lead")
    page.goto(f"{live_server.url}/support/reports/")
    page.wait_for_load_state("load")
    assert fetched(page, CHART_JS)
    expect(page.locator("#report-weekly canvas")).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('#report-weekly canvas'))")
    drawn = page.evaluate(DRAWN_CHART, "report-weekly")
    assert drawn["labels"] and drawn["painted"] > 0
    assert page.errors == []
