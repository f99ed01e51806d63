"""Reads behind the platform page and the explanations. Each is one query: a platform's daily
rollups, or a few indexed rows of the log, the changelog or the callback deliveries — never an
aggregate over the request log itself."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from accounts.models import Platform
from apilog.latency import BUCKET_FIELDS, LatencyHistogram
from apilog.models import ApiChange, ApiRequest, ApiRequestDailyRollup, endpoint_name
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


# Not frozen only to be cheap: a frozen dataclass costs several times more to make, and a page
# makes thousands of cells. Nothing changes a cell once made.
@dataclass(slots=True)
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
    # Worked out once: every loop of the analysis reads them.
    endpoint: str = field(init=False)
    client: str = field(init=False)
    count: int = field(init=False)
    failed: bool = field(init=False)

    def __post_init__(self):
        self.endpoint = endpoint_name(self.method, self.path)
        self.client = f"{self.client_name} {self.client_version}".strip()
        self.count = self.latency.count
        self.failed = self.status_code >= 400


@dataclass(frozen=True)
class PlatformTraffic:
    platform_id: int
    window: ApiWindow
    cells: list[TrafficCell] = field(default_factory=list)

    @cached_property
    def _cells_by_endpoint(self) -> dict[str, list[TrafficCell]]:
        by_endpoint: dict[str, list[TrafficCell]] = {}
        for cell in self.cells:
            by_endpoint.setdefault(cell.endpoint, []).append(cell)
        return by_endpoint

    def for_endpoint(self, endpoint: str) -> list[TrafficCell]:
        return self._cells_by_endpoint.get(endpoint, [])

    @property
    def endpoints(self) -> list[str]:
        return sorted(self._cells_by_endpoint)


CELL_KEY = ("day", "method", "path", "client_name", "client_version", "status_code", "error_code")
CELL_COUNTS = ("latency_total_ms", "latency_max_ms", *BUCKET_FIELDS)


def platform_traffic(*, platform_id: int, window: ApiWindow, endpoint: str | None = None) -> PlatformTraffic:
    return PlatformTraffic(platform_id, window, traffic_cells(platform_id=platform_id, since=window.since,
                                                              until=window.until, endpoint=endpoint))


def traffic_cells(*, platform_id: int, since: datetime.date, until: datetime.date,
                  endpoint: str | None = None) -> list[TrafficCell]:
    """The platform's requests from `since` to `until` by day, endpoint, client version, status
    and error code, in that order: its daily rollups, read through their unique index
    (platform, day, …) and added up across environments."""
    rollups = ApiRequestDailyRollup.objects.filter(platform_id=platform_id, day__gte=since, day__lte=until)
    if endpoint:
        method, _, path = endpoint.partition(" ")
        rollups = rollups.filter(method=method, path=path)
    # Added up here rather than by a GROUP BY: a platform sends from one environment, so there is
    # rarely anything to add, and the database reads the rows as they are in a tenth of the time
    # it takes to group them.
    latency_by_key: dict[tuple, LatencyHistogram] = {}
    for row in rollups.order_by().values_list(*CELL_KEY, *CELL_COUNTS):
        key = row[:len(CELL_KEY)]
        total_ms, max_ms, *buckets = row[len(CELL_KEY):]
        histogram = LatencyHistogram(buckets, total_ms, max_ms)
        if key in latency_by_key:
            latency_by_key[key].add(histogram)
        else:
            latency_by_key[key] = histogram
    cells = [TrafficCell(*key, histogram) for key, histogram in latency_by_key.items()]
    cells.sort(key=lambda cell: (cell.day, cell.endpoint, cell.client, cell.status_code, cell.error_code))
    return cells


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
