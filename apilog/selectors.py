"""Reads behind the platform page and the explanations. Each is one query: an aggregate of the
hourly rollups, or a few indexed rows of the log, the changelog or the callback deliveries —
never an aggregate over the request log itself."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Max, Sum
from django.db.models.functions import TruncDate

from accounts.models import Platform
from apilog.latency import BUCKET_FIELDS, LatencyHistogram
from apilog.models import ApiChange, ApiRequest, ApiRequestRollup, endpoint_name
from payments.models import Callback, CallbackDelivery

DEFAULT_DAYS = 30
MAX_DAYS = 92
FAILED_REQUESTS_SHOWN = 20
CALLBACKS_READ = 50


@dataclass(frozen=True)
class ApiWindow:
    """Whole UTC days, `since` to `until` inclusive."""

    since: datetime.date
    until: datetime.date

    @classmethod
    def ending(cls, day: datetime.date, *, days: int = DEFAULT_DAYS) -> ApiWindow:
        return cls(day - datetime.timedelta(days=days - 1), day)

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime.combine(self.since, datetime.time(), tzinfo=datetime.UTC)

    @property
    def end(self) -> datetime.datetime:
        return datetime.datetime.combine(self.until + datetime.timedelta(days=1), datetime.time(), tzinfo=datetime.UTC)

    @property
    def days(self) -> list[datetime.date]:
        return [self.since + datetime.timedelta(days=offset) for offset in range((self.until - self.since).days + 1)]


@dataclass(frozen=True)
class TrafficCell:
    """A platform's requests of one day to one endpoint from one client version, with one
    status and error code."""

    day: datetime.date
    method: str
    path: str
    client_name: str
    client_version: str
    status_code: int
    error_code: str
    latency: LatencyHistogram

    @property
    def endpoint(self) -> str:
        return endpoint_name(self.method, self.path)

    @property
    def client(self) -> str:
        return f"{self.client_name} {self.client_version}".strip()

    @property
    def count(self) -> int:
        return self.latency.count

    @property
    def failed(self) -> bool:
        return self.status_code >= 400


@dataclass(frozen=True)
class PlatformTraffic:
    platform_id: int
    window: ApiWindow
    cells: list[TrafficCell] = field(default_factory=list)

    def for_endpoint(self, endpoint: str) -> list[TrafficCell]:
        return [cell for cell in self.cells if cell.endpoint == endpoint]

    @property
    def endpoints(self) -> list[str]:
        return sorted({cell.endpoint for cell in self.cells})


def platform_traffic(*, platform_id: int, window: ApiWindow, endpoint: str | None = None) -> PlatformTraffic:
    """The platform's requests in the window by day, endpoint, client version, status and error
    code, summed from the hourly rollups (the rollups' unique index leads with platform, hour)."""
    rollups = ApiRequestRollup.objects.filter(platform_id=platform_id, hour__gte=window.start, hour__lt=window.end)
    if endpoint:
        method, _, path = endpoint.partition(" ")
        rollups = rollups.filter(method=method, path=path)
    groups = (
        rollups.annotate(day=TruncDate("hour", tzinfo=datetime.UTC))
        .values("day", "method", "path", "client_name", "client_version", "status_code", "error_code")
        .annotate(total_ms=Sum("latency_total_ms"), max_ms=Max("latency_max_ms"),
                  **{f"sum_{name}": Sum(name) for name in BUCKET_FIELDS})
        .order_by()
    )
    cells = [
        TrafficCell(group["day"], group["method"], group["path"], group["client_name"], group["client_version"],
                    group["status_code"], group["error_code"],
                    LatencyHistogram([group[f"sum_{name}"] for name in BUCKET_FIELDS], group["total_ms"], group["max_ms"]))
        for group in groups
    ]
    cells.sort(key=lambda cell: (cell.day, cell.endpoint, cell.client, cell.status_code, cell.error_code))
    return PlatformTraffic(platform_id, window, cells)


def api_changes_between(*, start: datetime.datetime, end: datetime.datetime) -> list[ApiChange]:
    """The changelog entries that took effect in [start, end), oldest first."""
    return list(ApiChange.objects.filter(changed_at__gte=start, changed_at__lt=end).order_by("changed_at", "pk"))


def platform_failed_requests(*, platform: Platform, window: ApiWindow,
                             limit: int = FAILED_REQUESTS_SHOWN) -> list[ApiRequest]:
    """The platform's newest failing requests in the window (the partial index of failures)."""
    return list(
        ApiRequest.objects.filter(platform=platform, occurred_at__gte=window.start, occurred_at__lt=window.end,
                                  status_code__gte=400)
        .order_by("-occurred_at")[:limit]
    )


def platform_callback_deliveries(*, platform: Platform, window: ApiWindow,
                                 limit: int = CALLBACKS_READ) -> list[CallbackDelivery]:
    """Every delivery attempt of the platform's newest `limit` callbacks created in the window,
    newest attempt first, each with its callback: one query, the callbacks found through their
    (platform, created_at) index."""
    newest_callbacks = (
        Callback.objects.filter(platform=platform, created_at__gte=window.start, created_at__lt=window.end)
        .order_by("-created_at").values("pk")[:limit]
    )
    return list(
        CallbackDelivery.objects.filter(callback__in=newest_callbacks).select_related("callback")
        .order_by("-attempted_at", "-pk")
    )
