"""The demo's API traffic holds the two problems platforms' developers ask about, each explained,
with the changelog behind them; it is recorded with its rollups."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import Platform
from apilog.models import ApiChange, ApiRequest, ApiRequestRollup
from demo import api_traffic, scenarios
from tests.opsconsole.explain_helpers import verdict_of

DEMO_NOW = datetime.datetime(2026, 11, 27, 9, 30, tzinfo=datetime.UTC)
API_QUESTION = "API requests"
CALLBACK_QUESTION = "callbacks"


def seed(*extra: str) -> None:
    call_command("seed_demo", "--scale", "0", "--today", "2026-11-27", "--force", *extra, stdout=StringIO())


@pytest.fixture(scope="module")
def demo(module_transaction):
    seed()


@pytest.fixture
def friday(demo, db):
    """The moment the demo is anchored to (DemoBuilder's `now` for --today)."""
    with time_machine.travel(DEMO_NOW, tick=False):
        yield


def platform(client_id: str) -> Platform:
    return Platform.objects.get(client_id=client_id)


def test_the_net_sdk_fails_after_the_breaking_change_and_its_next_version_is_fixed(friday):
    verdict = verdict_of(platform(api_traffic.BROKEN_SDK_PLATFORM), API_QUESTION)
    assert verdict.code == "platform.api.breaking_change.client_version"
    assert verdict.summary.startswith(
        "Requests from .NET SDK 2.3.1 to POST /items fail with 422 fee_id_invalid (fee_id invalid: ")
    assert "since the change of 12 November 2026 (fee ids are validated strictly" in verdict.summary
    assert verdict.summary.endswith("; .NET SDK 2.4.0 is fixed.")
    assert verdict.next_step == "Tell the platform's developers to upgrade to .NET SDK 2.4.0."


def test_the_endpoint_that_degraded_after_the_deploy(friday):
    verdict = verdict_of(platform(api_traffic.DEGRADED_PLATFORM), API_QUESTION)
    assert verdict.code == "platform.api.error_rate_rise"
    assert verdict.summary.startswith("The error rate of POST /bank_accounts rose from ")
    assert ("on 19 November 2026, after the change of 19 November 2026 (ACH account verification moved to the new "
            "verification provider); most failures are 502 upstream_timeout.") in verdict.summary
    assert any(item.label == "Also" and "p95 latency" in item.value for item in verdict.evidence)


def test_the_other_platforms_are_healthy_and_tradie_hubs_callbacks_fail(friday):
    tradie = platform(scenarios.FAILING_CALLBACK_PLATFORM)
    assert verdict_of(tradie, API_QUESTION).code == "platform.api.healthy"
    assert verdict_of(tradie, CALLBACK_QUESTION).code == "platform.callbacks.endpoint_failing"
    sandbox = platform("sandbox-dev")
    assert verdict_of(sandbox, API_QUESTION).code == "platform.api.healthy"
    assert verdict_of(sandbox, CALLBACK_QUESTION).code == "platform.callbacks.disabled"


def test_the_seeded_failing_requests_are_explained_one_by_one(friday):
    refused = ApiRequest.objects.filter(error_code="fee_id_invalid").latest("occurred_at")
    assert verdict_of(refused).code == "api_request.breaking_change.client_version"
    timed_out = ApiRequest.objects.filter(error_code="upstream_timeout").latest("occurred_at")
    assert verdict_of(timed_out).code == "api_request.error_rate_rise"


def test_the_changelog_and_the_rollups_are_seeded_with_the_traffic(demo, db):
    assert ApiChange.objects.count() == 4
    assert list(ApiChange.objects.filter(breaking=True).values_list("endpoint", flat=True)) == ["POST /items"]
    assert ApiRequestRollup.objects.aggregate(total=Sum("request_count"))["total"] == ApiRequest.objects.count() > 3_000
    assert set(ApiRequest.objects.values_list("platform__client_id", flat=True)) == {
        profile.client_id for profile in api_traffic.PROFILES}

