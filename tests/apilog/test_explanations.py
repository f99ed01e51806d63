"""A platform's API problems and a single request's answer are explained from the rollups and the
changelog: a breaking change that broke one SDK version, an endpoint that got slower or started
failing after a change, a callback endpoint that fails — in the demo and in traffic built here."""

import datetime
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from apilog.models import ApiRequest
from payments.models import Callback
from tests.apilog.traffic import (
    CURL,
    DOTNET_2_3_1,
    DOTNET_2_4_0,
    PYTHON_1_9_2,
    api_change,
    record,
    requests_on_days,
    utc,
)
from tests.factories import make_callback, make_callback_delivery, make_platform
from tests.opsconsole.explain_helpers import evidence_text, verdict_of

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 27)
FIRST_DAY = TODAY - datetime.timedelta(days=29)
YESTERDAY = TODAY - datetime.timedelta(days=1)
CHANGE_DAY = datetime.date(2026, 11, 12)
API_QUESTION = "API requests"
CALLBACK_QUESTION = "callbacks"


@pytest.fixture(autouse=True)
def friday_noon():
    with time_machine.travel(utc(TODAY, 12), tick=False):
        yield


def day_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=1)


def broken_sdk_traffic(*, fixed_version_in_use: bool = True):
    """Since a breaking change to POST /items on 12 November, .NET SDK 2.3.1's requests to it are
    refused; its other requests, the Python SDK and (if in use) .NET SDK 2.4.0 are fine."""
    platform = make_platform(name="Fee Market")
    change = api_change(on=CHANGE_DAY, endpoint="POST /items", breaking=True,
                        summary="fee ids are validated strictly")
    record(
        requests_on_days(platform, first_day=FIRST_DAY, last_day=day_before(CHANGE_DAY), per_day=4,
                         user_agent=DOTNET_2_3_1),
        requests_on_days(platform, first_day=CHANGE_DAY, last_day=YESTERDAY, per_day=4, user_agent=DOTNET_2_3_1,
                         status_code=422, error_code="fee_id_invalid", error_message="fee_id invalid"),
        requests_on_days(platform, first_day=FIRST_DAY, last_day=YESTERDAY, per_day=3, user_agent=DOTNET_2_3_1,
                         endpoint="GET /items/:id", status_code=200),
        requests_on_days(platform, first_day=datetime.date(2026, 11, 5), last_day=YESTERDAY,
                         per_day=3 if fixed_version_in_use else 0, user_agent=DOTNET_2_4_0),
        requests_on_days(platform, first_day=FIRST_DAY, last_day=YESTERDAY, per_day=4, user_agent=PYTHON_1_9_2),
    )
    return platform, change


@pytest.fixture
def broken_sdk_platform():
    return broken_sdk_traffic()


def test_a_breaking_change_followed_by_failures_from_one_sdk_version(broken_sdk_platform):
    platform, change = broken_sdk_platform
    verdict = verdict_of(platform, API_QUESTION)
    assert verdict.code == "platform.api.breaking_change.client_version"
    assert verdict.summary == (
        "Requests from .NET SDK 2.3.1 to POST /items fail with 422 fee_id_invalid (fee_id invalid) since the change "
        "of 12 November 2026 (fee ids are validated strictly); .NET SDK 2.4.0 is fixed.")
    assert verdict.next_step == "Tell the platform's developers to upgrade to .NET SDK 2.4.0."
    assert "please upgrade" in verdict.tell_the_customer and verdict.retry_can_help is False
    evidence = {item.label: item for item in verdict.evidence}
    assert evidence["API change"].record == change
    assert evidence[".NET SDK 2.3.1 since the change"].value == "60 of 60 requests to POST /items failed (100%)"
    assert evidence[".NET SDK 2.3.1 before the change"].value == "0 of 56 failed"
    assert "Python SDK 1.9.2: 0 of 60 failed" in evidence["Other clients since the change"].value
    example = evidence["Example request"].record
    assert (example.client_version, example.error_code) == ("2.3.1", "fee_id_invalid")


def test_no_newer_version_that_works_is_said_so():
    platform, _ = broken_sdk_traffic(fixed_version_in_use=False)
    verdict = verdict_of(platform, API_QUESTION)
    assert verdict.code == "platform.api.breaking_change.client_version"
    assert verdict.summary.endswith("; no newer version of it works yet.")
    assert "file a bug against .NET SDK" in verdict.next_step


def test_a_breaking_change_every_client_survives_is_no_finding():
    platform = make_platform()
    api_change(on=CHANGE_DAY, endpoint="POST /items", breaking=True, summary="fee ids are validated strictly")
    record(requests_on_days(platform, first_day=FIRST_DAY, last_day=YESTERDAY, per_day=5, user_agent=DOTNET_2_3_1),
           requests_on_days(platform, first_day=FIRST_DAY, last_day=YESTERDAY, per_day=5, user_agent=PYTHON_1_9_2))
    verdict = verdict_of(platform, API_QUESTION)
    assert verdict.code == "platform.api.healthy"
    assert "290 API requests" in verdict.summary


def test_the_failing_request_itself_is_explained_by_the_change(broken_sdk_platform):
    platform, change = broken_sdk_platform
    refused = ApiRequest.objects.filter(platform=platform, error_code="fee_id_invalid").latest("occurred_at")
    verdict = verdict_of(refused)
    assert verdict.code == "api_request.breaking_change.client_version"
    assert "since the change of 12 November 2026" in verdict.summary and ".NET SDK 2.4.0 is fixed" in verdict.summary
    assert any(item.record == change for item in verdict.evidence)

    fine = ApiRequest.objects.filter(platform=platform, client_version="2.4.0").latest("occurred_at")
    assert verdict_of(fine).code == "api_request.succeeded"


def test_a_refused_request_with_no_pattern_behind_it_says_what_to_fix():
    platform = make_platform()
    record(requests_on_days(platform, first_day=FIRST_DAY, last_day=YESTERDAY, per_day=4),
           requests_on_days(platform, first_day=YESTERDAY, last_day=YESTERDAY, per_day=1, status_code=401,
                            error_code="unauthorized", error_message="Invalid client credentials", user_agent=CURL))
    refused = ApiRequest.objects.get(status_code=401)
    verdict = verdict_of(refused)
    assert verdict.code == "api_request.rejected.unauthorised"
    assert "check the client id and secret" in verdict.next_step
    assert "Invalid client credentials" in verdict.tell_the_customer


def test_a_latency_rise_on_one_endpoint_after_a_change():
    platform = make_platform()
    slowed_on = datetime.date(2026, 11, 20)
    change = api_change(on=slowed_on, endpoint="PATCH /items/:id/make_payment", breaking=False, hour=3,
                        summary="card payments go through the new 3-D Secure service")
    record(
        requests_on_days(platform, first_day=FIRST_DAY, last_day=day_before(slowed_on), per_day=12,
                         endpoint="PATCH /items/:id/make_payment", status_code=200, latency_ms=180),
        requests_on_days(platform, first_day=slowed_on, last_day=YESTERDAY, per_day=12,
                         endpoint="PATCH /items/:id/make_payment", status_code=200, latency_ms=950),
        requests_on_days(platform, first_day=FIRST_DAY, last_day=YESTERDAY, per_day=12, endpoint="GET /items/:id",
                         status_code=200, latency_ms=60),
    )
    verdict = verdict_of(platform, API_QUESTION)
    assert verdict.code == "platform.api.latency_rise"
    assert verdict.summary.startswith("PATCH /items/:id/make_payment has been slower since 20 November 2026, after "
                                      "the change of 20 November 2026 (card payments go through the new 3-D Secure "
                                      "service)")
    evidence = {item.label: item for item in verdict.evidence}
    assert evidence["API change"].record == change
    assert int(evidence["p95 before"].value.split()[0]) <= 200
    assert int(evidence["p95 since 20 November 2026"].value.split()[0]) >= 900


def test_an_error_rate_rise_on_one_endpoint_after_a_deploy():
    platform = make_platform()
    deploy_day = datetime.date(2026, 11, 19)
    api_change(on=deploy_day, endpoint="POST /bank_accounts", breaking=False, summary="verification moved")
    record(
        requests_on_days(platform, first_day=FIRST_DAY, last_day=YESTERDAY, per_day=10, endpoint="POST /bank_accounts"),
        requests_on_days(platform, first_day=deploy_day, last_day=YESTERDAY, per_day=4, endpoint="POST /bank_accounts",
                         status_code=502, error_code="upstream_timeout", error_message="verification timed out"),
    )
    verdict = verdict_of(platform, API_QUESTION)
    assert verdict.code == "platform.api.error_rate_rise"
    assert verdict.summary == ("The error rate of POST /bank_accounts rose from 0% to 29% on 19 November 2026, "
                               "after the change of 19 November 2026 (verification moved); most failures are "
                               "502 upstream_timeout.")
    assert verdict.retry_can_help is True and "payments engineers" in verdict.next_step
    failed = ApiRequest.objects.filter(status_code=502).latest("occurred_at")
    assert verdict_of(failed).code == "api_request.error_rate_rise"


def test_a_one_off_server_error_is_not_a_rise():
    platform = make_platform()
    record(requests_on_days(platform, first_day=FIRST_DAY, last_day=YESTERDAY, per_day=10),
           requests_on_days(platform, first_day=YESTERDAY, last_day=YESTERDAY, per_day=1, status_code=500,
                            error_code="internal_error"))
    assert verdict_of(platform, API_QUESTION).code == "platform.api.healthy"
    assert verdict_of(ApiRequest.objects.get(status_code=500)).code == "api_request.server_error"


def test_a_platform_with_no_requests():
    verdict = verdict_of(make_platform(client_id="quiet-co"), API_QUESTION)
    assert verdict.code == "platform.api.no_requests" and "client id quiet-co" in verdict.next_step


def _callback(platform, *, hours_ago: int, statuses: list, status=Callback.Status.FAILING):
    callback = make_callback(platform=platform, deliveries=0, status=status,
                             created_at=utc(TODAY, 12) - datetime.timedelta(hours=hours_ago))
    for response_status in statuses:
        make_callback_delivery(callback=callback, response_status=response_status,
                               error="" if response_status == 200 else "HTTP 500 Internal Server Error")
    return callback


def test_a_failing_callback_endpoint():
    platform = make_platform()
    delivered = _callback(platform, hours_ago=50, statuses=[200], status=Callback.Status.DELIVERED)
    _callback(platform, hours_ago=30, statuses=[500, 500, 500])
    _callback(platform, hours_ago=20, statuses=[500, 500])
    latest = _callback(platform, hours_ago=2, statuses=[500])
    verdict = verdict_of(platform, CALLBACK_QUESTION)
    assert verdict.code == "platform.callbacks.endpoint_failing"
    assert "its last 3 callbacks were not delivered" in verdict.summary
    assert verdict.task.slug == "resend-callback" and verdict.task.target_id == latest.pk
    text = evidence_text(verdict)
    assert "Not delivered: the last 3 callbacks" in text
    assert {item.record for item in verdict.evidence if item.label == "Last delivered"} == {delivered.deliveries.get()}
    assert platform.callback_url in verdict.tell_the_customer


def test_callbacks_that_arrive_and_one_that_failed_once():
    platform = make_platform()
    _callback(platform, hours_ago=40, statuses=[200], status=Callback.Status.DELIVERED)
    _callback(platform, hours_ago=30, statuses=[500, 200], status=Callback.Status.DELIVERED)
    _callback(platform, hours_ago=2, statuses=[500])
    verdict = verdict_of(platform, CALLBACK_QUESTION)
    assert verdict.code == "platform.callbacks.delivered"
    assert "2 of the last 3 were delivered, 1 on the first attempt" in verdict.summary


def test_an_unreachable_and_a_rejecting_callback_endpoint():
    unreachable = make_platform()
    _callback(unreachable, hours_ago=3, statuses=[None])
    assert verdict_of(unreachable, CALLBACK_QUESTION).code == "platform.callbacks.endpoint_unreachable"
    rejecting = make_platform()
    _callback(rejecting, hours_ago=3, statuses=[401])
    verdict = verdict_of(rejecting, CALLBACK_QUESTION)
    assert verdict.code == "platform.callbacks.endpoint_unauthorised" and verdict.retry_can_help is False


def test_explain_from_the_command_line_for_a_platform_and_a_request(broken_sdk_platform):
    platform, _ = broken_sdk_platform
    out = StringIO()
    call_command("explain", "platform", str(platform.pk), stdout=out)
    text = out.getvalue()
    assert "Are this platform's API requests failing, and why?" in text
    assert "[platform.api.breaking_change.client_version] Requests from .NET SDK 2.3.1 to POST /items" in text
    assert "Next step: Tell the platform's developers to upgrade to .NET SDK 2.4.0." in text

    refused = ApiRequest.objects.filter(error_code="fee_id_invalid").first()
    out = StringIO()
    call_command("explain", "apirequest", str(refused.pk), "--json", stdout=out)
    document = json.loads(out.getvalue())
    assert document["object"] == f"apilog.apirequest:{refused.pk}"
    assert document["answers"][0]["code"] == "api_request.breaking_change.client_version"


def test_explain_as_a_person_answers_only_what_their_page_shows_them(broken_sdk_platform, staff):
    platform, _ = broken_sdk_platform
    as_auditor, as_engineer = StringIO(), StringIO()
    call_command("explain", "platform", str(platform.pk), "--as", "auditor", stdout=as_auditor)
    call_command("explain", "platform", str(platform.pk), "--as", "engineer", stdout=as_engineer)
    for question in ("Are this platform's API requests failing, and why?", CALLBACK_QUESTION):
        assert question not in as_auditor.getvalue()  # the auditor's page hides both
        assert question in as_engineer.getvalue()


def test_an_sdk_version_failing_from_the_first_day_is_a_finding_and_its_requests_say_upgrade():
    platform = make_platform(name="Day One Market")
    record(
        requests_on_days(platform, first_day=FIRST_DAY, last_day=YESTERDAY, per_day=2, user_agent=DOTNET_2_3_1,
                         status_code=422, error_code="fee_id_invalid", error_message="fee_id invalid"),
        requests_on_days(platform, first_day=FIRST_DAY, last_day=YESTERDAY, per_day=2, user_agent=DOTNET_2_3_1),
        requests_on_days(platform, first_day=FIRST_DAY, last_day=YESTERDAY, per_day=3, user_agent=DOTNET_2_4_0),
    )
    verdict = verdict_of(platform, API_QUESTION)
    assert verdict.code == "platform.api.failing_throughout.client_version"
    assert "fail throughout: 58 of 116 (50%) failed over 30 days" in verdict.summary
    assert "upgrade to .NET SDK 2.4.0" in verdict.next_step and "`" not in verdict.tell_the_customer
    refused = ApiRequest.objects.filter(platform=platform, error_code="fee_id_invalid").first()
    request_verdict = verdict_of(refused)
    assert request_verdict.code == "api_request.failing_throughout.client_version"
    assert "upgrade to .NET SDK 2.4.0" in request_verdict.next_step


def test_a_few_requests_are_not_enough_to_call_a_platform_healthy():
    platform = make_platform(name="Quiet Market")
    record(requests_on_days(platform, first_day=YESTERDAY - datetime.timedelta(days=11), last_day=YESTERDAY,
                            per_day=1))
    verdict = verdict_of(platform, API_QUESTION)
    assert verdict.code == "platform.api.not_enough_evidence"
    assert verdict.summary.startswith("Not enough evidence to judge Quiet Market's API traffic: 12 requests in 30 days")
