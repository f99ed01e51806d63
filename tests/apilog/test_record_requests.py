"""Requests are recorded in bulk with their client read from the user agent; the hourly and daily
rollups always agree with the log, and can be rebuilt from it; a bad row records nothing."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apilog.clients import RAW_HTTP, client_from_user_agent
from apilog.latency import BUCKET_FIELDS, LatencyHistogram, bucket_index
from apilog.models import ApiRequest, ApiRequestDailyRollup, ApiRequestRollup
from apilog.services import DUPLICATE_REQUEST_ID, record_requests
from opsconsole.errors import OpsError
from tests.apilog.traffic import CURL, DOTNET_2_3_1, requests_on_days, utc
from tests.factories import make_platform

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 20)


DAILY_KEY = ("platform_id", "day", "environment", "method", "path", "client_name", "client_version", "status_code",
             "error_code")


def rollup_rows() -> list[tuple]:
    return sorted(ApiRequestRollup.objects.values_list(
        "platform_id", "hour", "method", "path", "client_name", "client_version", "status_code", "error_code",
        "request_count", "latency_total_ms", "latency_max_ms", *BUCKET_FIELDS))


def daily_rollup_rows() -> list[tuple]:
    return sorted(ApiRequestDailyRollup.objects.values_list(
        *DAILY_KEY, "request_count", "latency_total_ms", "latency_max_ms", *BUCKET_FIELDS))


def requests_summed_by_day() -> list[tuple]:
    """What the daily rollups must hold, added up here from the log itself."""
    days: dict[tuple, LatencyHistogram] = {}
    for request in ApiRequest.objects.all():
        key = (request.platform_id, request.occurred_at.astimezone(datetime.UTC).date(), request.environment,
               request.method, request.path, request.client_name, request.client_version, request.status_code,
               request.error_code)
        histogram = days.setdefault(key, LatencyHistogram.empty())
        histogram.counts[bucket_index(request.latency_ms)] += 1
        histogram.total_ms += request.latency_ms
        histogram.max_ms = max(histogram.max_ms, request.latency_ms)
    return sorted((*key, histogram.count, histogram.total_ms, histogram.max_ms, *histogram.counts)
                  for key, histogram in days.items())


@pytest.mark.parametrize(("user_agent", "name", "version"), [
    (DOTNET_2_3_1, ".NET SDK", "2.3.1"),
    ("payments-sdk-python/1.9.2 (CPython 3.12.3; Linux)", "Python SDK", "1.9.2"),
    ("MyShop/4.1 payments-sdk-node/3.2.0", "Node SDK", "3.2.0"),
    (CURL, RAW_HTTP, ""),
    ("", RAW_HTTP, ""),
])
def test_the_client_is_read_from_the_user_agent(user_agent, name, version):
    client = client_from_user_agent(user_agent)
    assert (client.name, client.version) == (name, version)


def test_recording_requests_counts_them_in_their_hour_with_a_latency_histogram():
    platform = make_platform()
    fast = requests_on_days(platform, first_day=DAY, last_day=DAY, per_day=24, user_agent=DOTNET_2_3_1, latency_ms=40)
    slow = requests_on_days(platform, first_day=DAY, last_day=DAY, per_day=24, user_agent=DOTNET_2_3_1, latency_ms=900)
    assert record_requests(fast + slow) == 48

    request = ApiRequest.objects.get(request_id=fast[0]["request_id"])
    assert (request.client_name, request.client_version, request.endpoint) == (".NET SDK", "2.3.1", "POST /items")
    first_hour = ApiRequestRollup.objects.get(platform=platform, hour=utc(DAY, 0))
    assert (first_hour.request_count, first_hour.latency_total_ms, first_hour.latency_max_ms) == (2, 940, 900)
    assert (first_hour.latency_upto_50ms, first_hour.latency_upto_1600ms) == (1, 1)
    assert ApiRequestRollup.objects.filter(platform=platform).count() == 24


def test_a_second_batch_in_the_same_hour_adds_to_its_rollup():
    platform = make_platform()
    rows = requests_on_days(platform, first_day=DAY, last_day=DAY, per_day=24, latency_ms=120)
    record_requests(rows[:1])
    record_requests([{**rows[1], "occurred_at": rows[0]["occurred_at"] + datetime.timedelta(minutes=5),
                      "latency_ms": 3_500}])
    rollup = ApiRequestRollup.objects.get(platform=platform)
    assert (rollup.request_count, rollup.latency_total_ms, rollup.latency_max_ms) == (2, 3_620, 3_500)
    assert (rollup.latency_upto_200ms, rollup.latency_over_3200ms) == (1, 1)


def test_recording_requests_adds_them_to_their_day():
    platform = make_platform()
    day_after = DAY + datetime.timedelta(days=1)
    record_requests(
        requests_on_days(platform, first_day=DAY, last_day=day_after, per_day=24, user_agent=DOTNET_2_3_1,
                         latency_ms=40)
        + requests_on_days(platform, first_day=DAY, last_day=DAY, per_day=6, user_agent=DOTNET_2_3_1, latency_ms=900)
        + requests_on_days(platform, first_day=DAY, last_day=DAY, per_day=3, user_agent=DOTNET_2_3_1, status_code=422,
                           error_code="fee_id_invalid", latency_ms=60))

    succeeded = ApiRequestDailyRollup.objects.get(platform=platform, day=DAY, status_code=201)
    assert (succeeded.request_count, succeeded.latency_total_ms, succeeded.latency_max_ms) == (
        30, 24 * 40 + 6 * 900, 900)
    assert (succeeded.latency_upto_50ms, succeeded.latency_upto_1600ms) == (24, 6)
    refused = ApiRequestDailyRollup.objects.get(platform=platform, day=DAY, status_code=422)
    assert (refused.error_code, refused.request_count, refused.latency_upto_100ms) == ("fee_id_invalid", 3, 3)
    assert ApiRequestDailyRollup.objects.get(platform=platform, day=day_after).request_count == 24
    assert daily_rollup_rows() == requests_summed_by_day()


def test_a_later_batch_adds_to_its_days_rollup():
    platform = make_platform()
    morning, evening = requests_on_days(platform, first_day=DAY, last_day=DAY, per_day=2, latency_ms=120)
    record_requests([morning])
    record_requests([{**evening, "latency_ms": 3_500}])
    daily = ApiRequestDailyRollup.objects.get(platform=platform)
    assert (daily.request_count, daily.latency_total_ms, daily.latency_max_ms) == (2, 3_620, 3_500)
    assert (daily.latency_upto_200ms, daily.latency_over_3200ms) == (1, 1)
    assert ApiRequestRollup.objects.filter(platform=platform).count() == 2  # two hours, one day
    assert daily_rollup_rows() == requests_summed_by_day()


def test_p95_is_estimated_from_the_histogram():
    histogram = LatencyHistogram.empty()
    histogram.counts[1] = 90  # 51–100 ms
    histogram.counts[4] = 10  # 401–800 ms
    histogram.max_ms = 780
    assert 400 < histogram.p95_ms <= 800
    assert histogram.percentile_ms(0.5) <= 100


@pytest.mark.parametrize(("field", "bad", "message"), [
    ("method", "FETCH", "method must be one of GET, POST, PUT, PATCH, DELETE"),
    ("path", "items", "path must be a route template starting with /"),
    ("status_code", 700, "status_code must be an HTTP status between 100 and 599"),
    ("latency_ms", -1, "latency_ms must be a whole number of milliseconds"),
    ("environment", "staging", "environment must be one of prelive, production"),
    ("occurred_at", datetime.datetime(2026, 11, 20, 10, 0), "occurred_at must be a date and time with its time zone"),
    ("request_id", "", "request_id is required"),
])
def test_a_bad_row_names_its_field_and_records_nothing(field, bad, message):
    platform = make_platform()
    rows = requests_on_days(platform, first_day=DAY, last_day=DAY, per_day=3)
    rows[2][field] = bad
    with pytest.raises(OpsError) as refused:
        record_requests(rows)
    assert refused.value.field == field
    assert refused.value.message.startswith(f"Row 3: {message}")
    assert not ApiRequest.objects.exists() and not ApiRequestRollup.objects.exists()
    assert not ApiRequestDailyRollup.objects.exists()


def test_a_request_id_already_recorded_records_nothing():
    platform = make_platform()
    first, second = requests_on_days(platform, first_day=DAY, last_day=DAY, per_day=2)
    record_requests([first])
    with pytest.raises(OpsError, match=DUPLICATE_REQUEST_ID):
        record_requests([second, {**first, "occurred_at": first["occurred_at"] + datetime.timedelta(hours=5)}])
    assert list(ApiRequest.objects.values_list("request_id", flat=True)) == [first["request_id"]]
    assert ApiRequestRollup.objects.get().request_count == 1
    assert ApiRequestDailyRollup.objects.get().request_count == 1
    with pytest.raises(OpsError, match=DUPLICATE_REQUEST_ID):
        record_requests([second, second])
    assert ApiRequest.objects.count() == 1


def test_the_command_rebuilds_the_rollups_from_the_log():
    platform, other = make_platform(), make_platform()
    record_requests(requests_on_days(platform, first_day=DAY, last_day=DAY + datetime.timedelta(days=2), per_day=30,
                                     latency_ms=250)
                    + requests_on_days(other, first_day=DAY, last_day=DAY, per_day=7, status_code=422,
                                       error_code="fee_id_invalid", user_agent=DOTNET_2_3_1))
    built_on_recording, daily_built_on_recording = rollup_rows(), daily_rollup_rows()
    assert daily_built_on_recording == requests_summed_by_day()
    ApiRequestRollup.objects.all().delete()
    ApiRequestRollup.objects.create(platform=platform, hour=utc(DAY, 5), environment="production", method="GET",
                                    path="/stale", client_name=RAW_HTTP, status_code=200, request_count=99)
    ApiRequestDailyRollup.objects.filter(platform=other).delete()
    ApiRequestDailyRollup.objects.filter(platform=platform, day=DAY).update(request_count=1, latency_max_ms=1)
    ApiRequestDailyRollup.objects.create(platform=platform, day=DAY, environment="production", method="GET",
                                         path="/stale", client_name=RAW_HTTP, status_code=200, request_count=99)

    out = StringIO()
    call_command("rebuild_api_rollups", "--since", DAY.isoformat(), "--until", "2026-11-22", stdout=out)
    assert rollup_rows() == built_on_recording
    assert daily_rollup_rows() == daily_built_on_recording
    assert "Rebuilt" in out.getvalue()


def test_the_command_refuses_bad_days_and_unknown_platforms():
    with pytest.raises(CommandError, match="--since must be a date as YYYY-MM-DD"):
        call_command("rebuild_api_rollups", "--since", "20/11/2026")
    with pytest.raises(CommandError, match="--since must be on or before --until"):
        call_command("rebuild_api_rollups", "--since", "2026-11-22", "--until", "2026-11-20")
    with pytest.raises(CommandError, match="no platform with client id 'nope'"):
        call_command("rebuild_api_rollups", "--since", "2026-11-20", "--platform", "nope")
