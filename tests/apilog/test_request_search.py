"""A request id typed in the search box opens that request's page, with the console's answer about
it; people who may not read the API log do not find it; on PostgreSQL the unique index serves it."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from apilog.models import ApiRequest
from search.finding import console_search
from tests.apilog.traffic import DOTNET_2_3_1, DOTNET_2_4_0, api_change, record, requests_on_days, utc
from tests.conftest import require_service
from tests.factories import make_platform

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def fresh_command_cache():
    cache.clear()


@pytest.fixture
def refused_request():
    """A .NET SDK 2.3.1 request refused since a breaking change that 2.4.0 survives."""
    platform = make_platform(name="Fee Market")
    change_day = datetime.date(2026, 11, 12)
    api_change(on=change_day, endpoint="POST /items", breaking=True, summary="fee ids are validated strictly")
    record(
        requests_on_days(platform, first_day=datetime.date(2026, 11, 1), last_day=datetime.date(2026, 11, 11),
                         per_day=3, user_agent=DOTNET_2_3_1),
        requests_on_days(platform, first_day=change_day, last_day=datetime.date(2026, 11, 26), per_day=3,
                         user_agent=DOTNET_2_3_1, status_code=422, error_code="fee_id_invalid",
                         error_message="fee_id invalid"),
        requests_on_days(platform, first_day=datetime.date(2026, 11, 1), last_day=datetime.date(2026, 11, 26),
                         per_day=3, user_agent=DOTNET_2_4_0),
    )
    return ApiRequest.objects.filter(error_code="fee_id_invalid").latest("occurred_at")


def test_the_request_id_finds_the_request(refused_request, staff):
    matches = console_search(query=refused_request.request_id, user=staff["engineer"])
    assert [(match.object, match.matched_by) for match in matches] == [(refused_request, "request id")]
    assert matches[0].label == f"API request {refused_request.request_id}"
    assert "POST /items → 422 from .NET SDK 2.3.1 on Fee Market" in matches[0].detail


def test_the_search_box_opens_the_requests_page_with_its_explanation(refused_request, client_as):
    client = client_as("engineer")
    response = client.get(reverse("console-search"), {"q": refused_request.request_id})
    request_page = reverse("admin:apilog_apirequest_change", args=[refused_request.pk])
    assert response.status_code == 302 and response["Location"] == request_page
    with time_machine.travel(utc(TODAY, 12), tick=False):
        page = client.get(request_page).content.decode()
    assert 'data-code="api_request.breaking_change.client_version"' in page
    assert escape("since the change of 12 November 2026 (fee ids are validated strictly); "
                  ".NET SDK 2.4.0 is fixed.") in page
    assert reverse("platform-api", args=[refused_request.platform_id]) in page


def test_people_who_may_not_read_the_api_log_do_not_find_requests(refused_request, staff):
    assert console_search(query=refused_request.request_id, user=staff["ops"]) == []
    assert [match.object for match in console_search(query=refused_request.request_id, user=staff["lead"])] == [
        refused_request]


def test_the_request_id_is_looked_up_through_its_unique_index(refused_request, staff):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    with CaptureQueriesContext(connection) as queries:
        console_search(query=refused_request.request_id, user=staff["engineer"])
    plans = []
    # The search box runs every look-up as one query (search/rows.py): its plan.
    for captured in queries.captured_queries:
        if f'FROM "{ApiRequest._meta.db_table}"' in captured["sql"]:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {captured['sql']}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert plans and all("Seq Scan" not in plan and "Index" in plan for plan in plans), plans
    assert all("apilog_apirequest_request_id" in plan for plan in plans), plans
