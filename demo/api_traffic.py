"""Thirty days of the demo platforms' API traffic, with the API changelog, recorded in bulk
through `apilog.services.record_requests` (so the rollups are built as in production).

Two problems hide in it, each the answer to a question platforms' developers ask:
- "your .NET SDK is giving me errors": since a breaking change to POST /items (fee ids validated
  strictly), Bazaar Market's requests from .NET SDK 2.3.1 fail with 422 `fee_id_invalid`, while
  .NET SDK 2.4.0 and the other SDKs are fine;
- "endpoint X is not working — did something change?": since a deploy to POST /bank_accounts,
  a third of Harbour Rentals US's requests to it fail with 502 and all are slower.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from apilog.models import ApiChange
from apilog.services import record_requests
from demo.scenarios import DemoWorld

TRAFFIC_DAYS = 30
BREAKING_CHANGE_DAYS_AGO = 15
DEPLOY_DAYS_AGO = 8
BROKEN_SDK_PLATFORM = "bazaar-market"
BROKEN_SDK, BROKEN_SDK_VERSION, FIXED_SDK_VERSION = ".NET SDK", "2.3.1", "2.4.0"
BROKEN_ENDPOINT = "POST /items"
DEGRADED_PLATFORM = "harbour-rentals-us"
DEGRADED_ENDPOINT = "POST /bank_accounts"

DOTNET_2_3_1 = "payments-sdk-dotnet/2.3.1 (.NET 8.0.4; Windows Server 2022)"
DOTNET_2_4_0 = "payments-sdk-dotnet/2.4.0 (.NET 8.0.6; Windows Server 2022)"
PYTHON_1_9_2 = "payments-sdk-python/1.9.2 (CPython 3.12.3; Linux)"
NODE_3_2_0 = "payments-sdk-node/3.2.0 (Node.js 20.11.1; linux)"
NODE_3_1_4 = "payments-sdk-node/3.1.4 (Node.js 18.19.0; linux)"
PHP_2_0_3 = "payments-sdk-php/2.0.3 (PHP 8.2.18)"
CURL = "curl/8.5.0"
REQUESTS = "python-requests/2.31.0"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    weight: int
    median_ms: int
    status_code: int = 200

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = (
    Endpoint("POST", "/items", 22, 180, 201),
    Endpoint("GET", "/items/:id", 30, 60),
    Endpoint("PATCH", "/items/:id/make_payment", 12, 420),
    Endpoint("PATCH", "/items/:id/release_payment", 8, 240),
    Endpoint("POST", "/users", 10, 150, 201),
    Endpoint("POST", "/bank_accounts", 8, 300, 201),
    Endpoint("POST", "/card_accounts", 6, 260, 201),
    Endpoint("GET", "/items/:id/transactions", 4, 90),
)


@dataclass(frozen=True)
class Profile:
    """How one platform uses the API: requests a day, its clients (user agent, weight, days ago
    it started using it) and endpoints weighted differently from the usual."""

    client_id: str
    per_day: int
    clients: tuple[tuple[str, int, int], ...]
    endpoint_weights: tuple[tuple[str, int], ...] = ()


PROFILES = (
    Profile(BROKEN_SDK_PLATFORM, 60, ((DOTNET_2_3_1, 35, 60), (DOTNET_2_4_0, 20, 25), (PYTHON_1_9_2, 30, 60),
                                      (CURL, 5, 60))),
    Profile(DEGRADED_PLATFORM, 40, ((PYTHON_1_9_2, 50, 60), (NODE_3_2_0, 40, 60), (REQUESTS, 10, 60)),
            ((DEGRADED_ENDPOINT, 20),)),
    Profile("tradie-hub", 25, ((NODE_3_1_4, 70, 60), (PHP_2_0_3, 30, 60))),
    Profile("sandbox-dev", 12, ((CURL, 60, 60), (PYTHON_1_9_2, 40, 60))),
)

# Ordinary refusals every integration gets now and then (status, error code, message), and rare
# server errors: the background the problems stand out from.
EVERYDAY_REFUSALS = (
    (400, "validation_error", "amount must be a positive integer"),
    (404, "not_found", "No item with this id"),
    (401, "unauthorized", "Invalid client credentials"),
    (409, "invalid_state", "The item is not in a state that allows this"),
    (422, "invalid_field", "email is not a valid email address"),
)
EVERYDAY_REFUSAL_RATE = 0.015
EVERYDAY_SERVER_ERROR_RATE = 0.001
FEE_ID_REFUSAL_RATE = 0.9  # items created with no fee do not trip the check
DEGRADED_FAILURE_RATE = 0.35
DEGRADED_SLOWDOWN = 4


@dataclass(frozen=True)
class DemoChanges:
    fee_ids_strict: ApiChange
    bank_account_deploy: ApiChange


def api_changelog_create(world: DemoWorld) -> DemoChanges:
    """The changelog of the last month, dated from the demo's day."""
    def at(days_ago: int, hour: int) -> datetime.datetime:
        day = world.builder.today - datetime.timedelta(days=days_ago)
        return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)

    ApiChange.objects.create(
        changed_at=at(26, 3), endpoint="GET /items/:id/transactions", breaking=False,
        summary="Transactions now include each item's fee lines",
        details="Each fee charged on the item appears as its own transaction, with kind `fee`.")
    fee_ids_strict = ApiChange.objects.create(
        changed_at=at(BREAKING_CHANGE_DAYS_AGO, 1), endpoint=BROKEN_ENDPOINT, breaking=True,
        summary="fee ids are validated strictly: an unknown fee_id is refused with 422 fee_id_invalid",
        details="Until now an unknown fee_id was matched by the fee's name, or ignored. SDKs that send the "
                "fee's name (.NET SDK up to 2.3.1) must upgrade.")
    deploy = ApiChange.objects.create(
        changed_at=at(DEPLOY_DAYS_AGO, 2), endpoint=DEGRADED_ENDPOINT, breaking=False,
        summary="ACH account verification moved to the new verification provider",
        details="US bank accounts are verified by the new provider; nothing changes for platforms.")
    ApiChange.objects.create(
        changed_at=at(4, 4), endpoint="", breaking=False,
        summary="Rate limits raised to 50 requests per second per platform")
    return DemoChanges(fee_ids_strict, deploy)


def api_traffic_create(world: DemoWorld, *, scale: int) -> int:
    """The changelog, then each platform's requests over the last 30 days (times `scale`, at
    least once); returns how many requests were recorded."""
    changes = api_changelog_create(world)
    platforms = {platform.client_id: platform
                 for platform in (world.bazaar, world.tradie, world.harbour, world.sandbox)}
    recorded = 0
    for profile in PROFILES:
        rows = _traffic(world, platforms[profile.client_id], profile, changes, per_day=profile.per_day * max(scale, 1))
        recorded += record_requests(rows)
    return recorded


def _traffic(world: DemoWorld, platform, profile: Profile, changes: DemoChanges, *, per_day: int) -> list[dict]:
    b = world.builder
    weights = dict(profile.endpoint_weights)
    endpoints = list(ENDPOINTS)
    endpoint_weights = [weights.get(endpoint.name, endpoint.weight) for endpoint in endpoints]
    rows = []
    for days_ago in range(TRAFFIC_DAYS - 1, -1, -1):
        day_start = datetime.datetime.combine(b.today - datetime.timedelta(days=days_ago), datetime.time(),
                                              tzinfo=datetime.UTC)
        clients = [(agent, weight) for agent, weight, since in profile.clients if since > days_ago]
        agents, client_weights = zip(*clients)
        for _ in range(round(per_day * b.rng.uniform(0.8, 1.2))):
            occurred_at = day_start + datetime.timedelta(seconds=b.rng.randrange(86_400))
            if occurred_at >= b.now:
                continue
            endpoint = b.rng.choices(endpoints, endpoint_weights)[0]
            user_agent = b.rng.choices(agents, client_weights)[0]
            rows.append(_request(b, platform, endpoint, user_agent, occurred_at, changes))
    rows.sort(key=lambda row: row["occurred_at"])
    return rows


def _request(b, platform, endpoint: Endpoint, user_agent: str, occurred_at, changes: DemoChanges) -> dict:
    latency = endpoint.median_ms * math.exp(b.rng.gauss(0, 0.35))
    status_code, error_code, error_message = endpoint.status_code, "", ""
    roll = b.rng.random()
    if roll < EVERYDAY_SERVER_ERROR_RATE:
        status_code, error_code, error_message = 500, "internal_error", "Something went wrong on our side"
    elif roll < EVERYDAY_SERVER_ERROR_RATE + EVERYDAY_REFUSAL_RATE:
        status_code, error_code, error_message = b.rng.choice(EVERYDAY_REFUSALS)
        latency = min(latency, 40 + b.rng.randrange(40))
    if (endpoint.name == BROKEN_ENDPOINT and user_agent == DOTNET_2_3_1
            and occurred_at >= changes.fee_ids_strict.changed_at and b.rng.random() < FEE_ID_REFUSAL_RATE):
        status_code, error_code = 422, "fee_id_invalid"
        error_message = "fee_id invalid: 'Marketplace commission 5%' is not a fee id of this platform"
        latency = 30 + b.rng.randrange(40)
    if (platform.client_id == DEGRADED_PLATFORM and endpoint.name == DEGRADED_ENDPOINT
            and occurred_at >= changes.bank_account_deploy.changed_at):
        latency *= DEGRADED_SLOWDOWN
        if b.rng.random() < DEGRADED_FAILURE_RATE:
            status_code, error_code = 502, "upstream_timeout"
            error_message = "Bank account verification did not answer in time"
    return {
        "platform": platform, "occurred_at": occurred_at, "environment": platform.environment,
        "method": endpoint.method, "path": endpoint.path, "status_code": status_code, "error_code": error_code,
        "error_message": error_message, "latency_ms": max(5, round(latency)),
        "request_id": f"req_{b.rng.getrandbits(96):024x}", "user_agent": user_agent,
    }
