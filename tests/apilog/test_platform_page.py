"""The platform page: who may open it, what it shows over the chosen days, and that it reads a
fixed handful of queries however much traffic the platform sends."""

import datetime
import json
import re
from collections import Counter

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from apilog.models import ApiRequest
from apilog.platform_page import DATE_PROBLEM, LENGTH_PROBLEM, ORDER_PROBLEM
from apilog.traffic_summary import status_class
from tests.apilog.traffic import DOTNET_2_3_1, DOTNET_2_4_0, PYTHON_1_9_2, api_change, record, requests_on_days, utc
from tests.conftest import require_service
from tests.factories import make_callback, make_callback_delivery, make_platform

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 27)
FIRST_DAY = TODAY - datetime.timedelta(days=29)
CHANGE_DAY = datetime.date(2026, 11, 12)
# Reads per page: the session, the person, their two sets of permissions and their platforms,
# then the platform, the rollups, the changelog, the failing requests and the callbacks.
READ_BUDGET = 10


@pytest.fixture(autouse=True)
def friday_noon():
    with time_machine.travel(utc(TODAY, 12), tick=False):
        yield


def page_url(platform, **query) -> str:
    url = reverse("platform-api", args=[platform.pk])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def busy_platform(*, per_day: int = 4):
    """Requests from three SDK versions; .NET SDK 2.3.1's to POST /items refused since a breaking
    change; one failing callback."""
    platform = make_platform(name="Fee Market", features=["cards", "direct_debit"])
    api_change(on=CHANGE_DAY, endpoint="POST /items", breaking=True, summary="fee ids are validated strictly")
    add_traffic(platform, per_day=per_day)
    callback = make_callback(platform=platform, deliveries=0, created_at=utc(TODAY, 9))
    make_callback_delivery(callback=callback, response_status=500)
    return platform


def add_traffic(platform, *, per_day: int, first_day=FIRST_DAY):
    yesterday = TODAY - datetime.timedelta(days=1)
    record(
        requests_on_days(platform, first_day=first_day, last_day=CHANGE_DAY - datetime.timedelta(days=1),
                         per_day=per_day, user_agent=DOTNET_2_3_1),
        requests_on_days(platform, first_day=CHANGE_DAY, last_day=yesterday, per_day=per_day, user_agent=DOTNET_2_3_1,
                         status_code=422, error_code="fee_id_invalid", error_message="fee_id invalid"),
        requests_on_days(platform, first_day=first_day, last_day=yesterday, per_day=per_day, user_agent=DOTNET_2_4_0),
        requests_on_days(platform, first_day=first_day, last_day=yesterday, per_day=per_day, user_agent=PYTHON_1_9_2,
                         endpoint="GET /items/:id", status_code=200, latency_ms=700),
    )


def chart(page: str, element_id: str) -> dict:
    section = page[page.index(f'id="{element_id}"'):]
    value = re.search(r'data-value="([^"]*)"', section).group(1)
    return json.loads(value.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&"))


def test_the_page_answers_what_is_wrong_and_shows_the_traffic(client_as):
    platform = busy_platform()
    response = client_as("engineer").get(page_url(platform))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-code="platform.api.breaking_change.client_version"' in page
    assert 'data-code="platform.callbacks.endpoint_failing"' in page
    assert escape("Requests from .NET SDK 2.3.1 to POST /items fail with 422 fee_id_invalid") in page
    # settings
    assert platform.callback_url in page and "cards, direct_debit" in page
    # error rate by SDK version and by endpoint, slowest endpoints
    assert re.search(r'data-client="\.NET SDK 2\.3\.1">.*?data-error-rate>51\.7%<', page, re.S)
    assert re.search(r'data-client="\.NET SDK 2\.4\.0">.*?data-error-rate>0\.0%<', page, re.S)
    assert re.search(r'id="api-slowest".*?data-endpoint="GET /items/:id">.*?data-p95>700<', page, re.S)
    # the newest failing requests, linked to their pages, and the callback attempts
    assert re.search(r'data-request-id="req_test_\d+".*?/apilog/apirequest/\d+/change/', page, re.S)
    assert 'data-outcome="5xx">5xx: 1<' in page


def test_the_charts_put_the_changelog_on_the_traffic_days(client_as):
    platform = busy_platform()
    page = client_as("engineer").get(page_url(platform)).content.decode()
    status = chart(page, "api-status-chart")
    assert status["labels"][0] == "29 Oct" and status["labels"][-1] == "27 Nov" and len(status["labels"]) == 30
    by_label = {dataset["label"]: dataset["data"] for dataset in status["datasets"]}
    change_position = status["labels"].index("12 Nov")
    assert by_label["Refused (4xx)"][change_position] == 4 and by_label["Refused (4xx)"][change_position - 1] == 0
    assert by_label["Succeeded (2xx, 3xx)"][change_position - 1] == 12
    markers = by_label["API change"]
    assert markers[change_position] == 1 and markers.count(1) == 1
    endpoints = chart(page, "api-endpoint-chart")
    assert {dataset["label"] for dataset in endpoints["datasets"]} == {"POST /items", "GET /items/:id", "API change"}
    assert re.search(r'data-day="2026-11-12" data-breaking>.*?POST /items.*?fee ids are validated strictly', page, re.S)


def table_rows(page: str, section_id: str, attribute: str) -> dict[str, tuple[int, int]]:
    """{name: (requests, failed)} of a section's "error rate by …" table."""
    section = page[page.index(f'id="{section_id}"'):]
    section = section[:section.index("</table>")]
    return {name: (int(total), int(failed)) for name, total, failed in re.findall(
        rf'<tr {attribute}="([^"]+)">.*?<td class="api-num">(\d+)</td><td class="api-num">(\d+)</td>', section)}


def requests_and_failures(counts: Counter) -> dict[str, tuple[int, int]]:
    """{name: (requests, failed)} from a Counter of (name, failed)."""
    return {name: (counts[name, False] + counts[name, True], counts[name, True]) for name, _ in counts}


STATUS_DATASETS = {"Succeeded (2xx, 3xx)": "succeeded", "Refused (4xx)": "refused", "Failed (5xx)": "failed"}


def test_the_pages_numbers_are_the_sums_of_the_requests(client_as):
    platform = busy_platform(per_day=3)
    add_traffic(platform, per_day=2, first_day=FIRST_DAY - datetime.timedelta(days=5))  # partly before the window
    record(requests_on_days(platform, first_day=FIRST_DAY, last_day=TODAY, per_day=5, user_agent=DOTNET_2_4_0,
                            endpoint="PATCH /items/:id/accept", status_code=503, error_code="unavailable",
                            latency_ms=30_000))
    record(requests_on_days(make_platform(name="Elsewhere"), first_day=FIRST_DAY, last_day=TODAY, per_day=7))
    page = client_as("engineer").get(page_url(platform)).content.decode()

    in_window = list(ApiRequest.objects.filter(platform=platform, occurred_at__gte=utc(FIRST_DAY),
                                               occurred_at__lt=utc(TODAY + datetime.timedelta(days=1))))
    by_endpoint, by_client, by_day_and_status = Counter(), Counter(), Counter()
    for request in in_window:
        by_endpoint[request.endpoint, request.failed] += 1
        by_client[request.client, request.failed] += 1
        by_day_and_status[request.occurred_at.date(), status_class(request.status_code)] += 1
    failed = sum(request.failed for request in in_window)
    assert f"{len(in_window)} requests from 29 Oct 2026 to 27 Nov 2026, {failed} failed." in page
    assert table_rows(page, "api-by-endpoint", "data-endpoint") == requests_and_failures(by_endpoint)
    assert table_rows(page, "api-by-client", "data-client") == requests_and_failures(by_client)
    days = [FIRST_DAY + datetime.timedelta(days=offset) for offset in range(30)]
    status_datasets = [dataset for dataset in chart(page, "api-status-chart")["datasets"]
                       if dataset["label"] in STATUS_DATASETS]
    assert len(status_datasets) == 3
    for dataset in status_datasets:
        status = STATUS_DATASETS[dataset["label"]]
        assert dataset["data"] == [by_day_and_status[day, status] for day in days], status
    # the slowest endpoint first, with the mean and the maximum of its requests' latencies
    assert re.search(r'id="api-slowest".*?<tbody>\s*<tr data-endpoint="PATCH /items/:id/accept">.*?data-p95>\d+<'
                     r'/td><td class="api-num">30000</td><td class="api-num">30000</td>', page, re.S)


def test_the_days_can_be_chosen_and_bad_ones_are_refused(client_as):
    platform = busy_platform()
    client = client_as("engineer")
    page = client.get(page_url(platform, since="2026-11-20", until="2026-11-26")).content.decode()
    assert chart(page, "api-status-chart")["labels"] == [f"{day} Nov" for day in range(20, 27)]
    assert "No API change in these days." in page

    for query, problem in (({"since": "2026-13-01"}, DATE_PROBLEM.format(field="since", value="2026-13-01")),
                           ({"since": "2026-11-20", "until": "2026-11-01"}, ORDER_PROBLEM),
                           ({"since": "2026-01-01"}, LENGTH_PROBLEM)):
        response = client.get(page_url(platform, **query))
        assert response.status_code == 400
        assert escape(problem) in response.content.decode()


def test_only_people_who_read_the_api_log_open_the_page(client_as):
    platform = busy_platform(per_day=1)
    for username in ("engineer", "lead", "developer"):
        assert client_as(username).get(page_url(platform)).status_code == 200, username
    for username in ("ops", "auditor", "nobody"):
        assert client_as(username).get(page_url(platform)).status_code == 403, username


def test_the_platforms_page_links_to_its_api_traffic_for_those_who_may_see_it(client_as):
    platform = busy_platform(per_day=1)
    change_url = reverse("admin:accounts_platform_change", args=[platform.pk])
    engineer_page = client_as("engineer").get(change_url).content.decode()
    assert f'href="{page_url(platform)}"' in engineer_page
    assert 'data-code="platform.api.breaking_change.client_version"' in engineer_page
    ops_page = client_as("ops").get(change_url).content.decode()
    assert page_url(platform) not in ops_page
    # the answers rest on the API log and the callbacks, which are not the ops agent's to read
    assert "platform.api." not in ops_page and "platform.callbacks." not in ops_page


def reads(client, url) -> tuple[int, int]:
    """(reads, all statements) of one page view."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    statements = [query["sql"] for query in captured.captured_queries
                  if not query["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))]
    return sum(1 for sql in statements if sql.startswith("SELECT")), len(statements)


def test_the_page_reads_as_many_queries_for_2000_requests_as_for_100(client_as):
    platform = busy_platform(per_day=1)  # about 100 requests
    client = client_as("engineer")
    client.get(page_url(platform))  # per-process caches (content types, the sidebar) fill on the first view
    cache.clear()  # the traffic summary is worked out again
    few = reads(client, page_url(platform))

    add_traffic(platform, per_day=22)  # about 2,000 more
    for _ in range(5):
        callback = make_callback(platform=platform, deliveries=3, created_at=utc(TODAY, 8))
        assert callback.deliveries.count() == 3
    many = reads(client, page_url(platform))
    assert few == many
    assert few[0] <= READ_BUDGET


def test_a_second_view_reuses_the_summary_and_a_recording_is_shown_on_the_next(client_as):
    platform = busy_platform(per_day=1)
    client = client_as("engineer")
    first = client.get(page_url(platform)).content.decode()
    with CaptureQueriesContext(connection) as captured:
        again = client.get(page_url(platform)).content.decode()
    for element_id in ("api-status-chart", "api-endpoint-chart"):
        assert chart(again, element_id) == chart(first, element_id)
    assert table_rows(again, "api-by-client", "data-client") == table_rows(first, "api-by-client", "data-client")
    assert not [query for query in captured.captured_queries if "apilog_apirequestdailyrollup" in query["sql"]], (
        "the rollups were read again")

    record(requests_on_days(platform, first_day=TODAY, last_day=TODAY, per_day=1, endpoint="GET /items/:id",
                            status_code=503, error_code="unavailable"))
    total_before, failed_before = table_rows(first, "api-by-endpoint", "data-endpoint")["GET /items/:id"]
    after = client.get(page_url(platform)).content.decode()
    assert (table_rows(after, "api-by-endpoint", "data-endpoint")["GET /items/:id"]
            == (total_before + 1, failed_before + 1))

    # A request of an earlier day, recorded late, counts too.
    record(requests_on_days(platform, first_day=FIRST_DAY, last_day=FIRST_DAY, per_day=1,
                            endpoint="GET /items/:id", status_code=200))
    later = client.get(page_url(platform)).content.decode()
    assert (table_rows(later, "api-by-endpoint", "data-endpoint")["GET /items/:id"]
            == (total_before + 2, failed_before + 1))


def test_the_page_reads_the_log_and_the_rollups_through_their_indexes(client_as):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    platform = busy_platform(per_day=2)
    with connection.cursor() as cursor:
        # Priced out, a sequential scan stays in a plan only where no index can serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
    with CaptureQueriesContext(connection) as captured:
        client_as("engineer").get(page_url(platform))
    plans = {}
    for query in captured.captured_queries:
        if query["sql"].startswith("SELECT") and '"apilog_' in query["sql"]:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {query['sql']}")
                plans[query["sql"]] = "\n".join(row[0] for row in cursor.fetchall())
    # the changelog, the daily rollups, the failing requests
    assert len(plans) == 3, list(plans)
    for sql, plan in plans.items():
        assert "Seq Scan on apilog_" not in plan, f"{sql}\n{plan}"
    _, rollups, failing = plans.values()
    assert "apirequestdailyrollup_unique_key" in rollups
    assert "apirequest_platform_failed_idx" in failing
