"""The platform page in a real browser: a support engineer opens Bazaar Market's API traffic from
its details, reads why its .NET SDK fails, sees both charts drawn with the breaking change marked
on them, and follows a failing request id to that request's explanation."""

import re

import pytest
from playwright.sync_api import expect

from demo.api_traffic import api_traffic_create
from demo.builder import DemoBuilder, demo_today
from demo.scenarios import DemoWorld

pytestmark = pytest.mark.browser

# The chart Chart.js drew on the canvas: its datasets, and how many pixels it painted.
DRAWN_CHART = """(sectionId) => {
    const canvas = document.querySelector(`#${sectionId} canvas`);
    const chart = window.Chart && Chart.getChart(canvas);
    if (!chart) return null;
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha]) painted++;
    return {labels: chart.data.labels, datasets: chart.data.datasets.map((d) => [d.label, d.data]), painted};
}"""


@pytest.fixture
def demo(staff, transactional_db):
    """The demo's platforms with their month of API traffic and changelog."""
    world = DemoWorld(DemoBuilder(seed=20250513, today=demo_today()), staff)
    api_traffic_create(world, scale=1)
    return world


def test_an_engineer_reads_a_platforms_api_traffic_and_follows_a_failing_request(page, live_server, login, demo):
    bazaar = demo.bazaar
    login(page, live_server, "engineer")
    page.goto(f"{live_server.url}/accounts/platform/{bazaar.pk}/change/")
    page.locator("[data-platform-api]").first.click()
    expect(page).to_have_url(re.compile(rf"/platforms/{bazaar.pk}/api/$"))

    answer = page.locator('#explanations [data-code="platform.api.breaking_change.client_version"]')
    expect(answer).to_contain_text("Requests from .NET SDK 2.3.1 to POST /items fail with 422 fee_id_invalid")
    expect(answer).to_contain_text(".NET SDK 2.4.0 is fixed")
    expect(page.locator('#api-by-client [data-client=".NET SDK 2.3.1"]')).to_be_visible()
    expect(page.locator('#api-changes tr[data-breaking]')).to_contain_text("POST /items")

    for section in ("api-status-chart", "api-endpoint-chart"):
        expect(page.locator(f"#{section} canvas")).to_be_visible()
        drawn = page.evaluate(DRAWN_CHART, section)
        assert drawn is not None, f"{section}: no chart on the canvas"
        assert drawn["painted"] > 2_000, f"{section}: the canvas is nearly blank"
        assert len(drawn["labels"]) == 30
        markers = dict(drawn["datasets"])["API change"]
        assert markers.count(1) >= 2, markers  # the breaking change and the deploy, at least

    failing = page.locator('#api-failures tr[data-request-id]').filter(has_text="fee_id_invalid").first
    request_id = failing.get_attribute("data-request-id")
    failing.get_by_role("link", name=request_id).click()
    expect(page).to_have_url(re.compile(r"/apilog/apirequest/\d+/change/$"))
    expect(page.locator('#explanations [data-code="api_request.breaking_change.client_version"]')).to_contain_text(
        ".NET SDK 2.4.0 is fixed")
