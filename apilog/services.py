"""Writes to the API log: requests are recorded in bulk, each batch adding itself to the hourly
and the daily rollups in the same transaction, so the rollups always agree with the log they
summarise."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncHour

from accounts.models import Platform
from apilog.clients import ApiClient, client_from_user_agent
from apilog.latency import BUCKET_BOUNDS_MS, BUCKET_FIELDS, LatencyHistogram, bucket_index
from apilog.models import ApiRequest, ApiRequestCounts, ApiRequestDailyRollup, ApiRequestRollup, HttpMethod
from apilog.traffic_summary import traffic_changed
from opsconsole.errors import OpsError

INSERT_CHUNK = 1000
# Rollup rows per INSERT statement: 17 parameters each stays far below SQLite's 32,766.
UPSERT_CHUNK = 500
ROLLUP_KEY = ("platform_id", "hour", "environment", "method", "path", "client_name", "client_version",
              "status_code", "error_code")
DAILY_ROLLUP_KEY = ("platform_id", "day", *ROLLUP_KEY[2:])
REQUIRED_FIELDS = ("occurred_at", "environment", "method", "path", "status_code", "latency_ms", "request_id")
DUPLICATE_REQUEST_ID = "A request with this request id is already recorded."


@dataclass(frozen=True)
class RecordedRequest:
    """One validated row, ready to insert."""

    request: ApiRequest

    @property
    def rollup_key(self) -> tuple:
        request = self.request
        hour = request.occurred_at.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
        return (request.platform_id, hour, request.environment, request.method, request.path, request.client_name,
                request.client_version, request.status_code, request.error_code)


def record_requests(rows: Iterable[Mapping]) -> int:
    """Record API requests and add them to the hourly and daily rollups; returns how many were
    recorded.

    Each row holds `platform` (a Platform or its id), `occurred_at` (aware), `environment`,
    `method`, `path` (the route template), `status_code`, `latency_ms`, `request_id`, and
    optionally `error_code`, `error_message`, `user_agent`; `client_name` and `client_version`
    are read from the user agent unless given. A row that is not valid raises OpsError naming
    its position and field, and nothing is recorded. The platforms' traffic summaries kept in the
    cache are not served again (apilog/traffic_summary.py).
    """
    recorded = [_validated(position, row) for position, row in enumerate(rows, start=1)]
    _refuse_repeated_request_ids(recorded)
    with transaction.atomic():
        try:
            ApiRequest.objects.bulk_create([row.request for row in recorded], batch_size=INSERT_CHUNK)
        except IntegrityError as error:
            raise OpsError(DUPLICATE_REQUEST_ID, field="request_id") from error
        hourly = _rollup_deltas(recorded)
        _rollups_add(ApiRequestRollup, ROLLUP_KEY, hourly)
        _rollups_add(ApiRequestDailyRollup, DAILY_ROLLUP_KEY, _daily_deltas(hourly))
        traffic_changed(row.request.platform_id for row in recorded)
    return len(recorded)


def _validated(position: int, row: Mapping) -> RecordedRequest:
    def refuse(field: str, message: str):
        raise OpsError(f"Row {position}: {message}", field=field)

    for field in REQUIRED_FIELDS:
        if row.get(field) in (None, ""):
            refuse(field, f"{field} is required.")
    platform = row.get("platform")
    platform_id = platform.pk if isinstance(platform, Platform) else platform
    if not isinstance(platform_id, int):
        refuse("platform", "platform must be a platform or its id.")
    occurred_at = row["occurred_at"]
    if not isinstance(occurred_at, datetime.datetime) or occurred_at.tzinfo is None:
        refuse("occurred_at", "occurred_at must be a date and time with its time zone.")
    if row["environment"] not in Platform.Environment.values:
        refuse("environment", f"environment must be one of {', '.join(Platform.Environment.values)}.")
    if row["method"] not in HttpMethod.values:
        refuse("method", f"method must be one of {', '.join(HttpMethod.values)}.")
    if not str(row["path"]).startswith("/"):
        refuse("path", "path must be a route template starting with /, e.g. /items/:id.")
    if not isinstance(row["status_code"], int) or not 100 <= row["status_code"] <= 599:
        refuse("status_code", "status_code must be an HTTP status between 100 and 599.")
    if not isinstance(row["latency_ms"], int) or row["latency_ms"] < 0:
        refuse("latency_ms", "latency_ms must be a whole number of milliseconds, 0 or more.")
    user_agent = row.get("user_agent", "")
    client = ApiClient(row["client_name"], row.get("client_version", "")) if row.get("client_name") else (
        client_from_user_agent(user_agent))
    return RecordedRequest(ApiRequest(
        platform_id=platform_id, occurred_at=occurred_at, environment=row["environment"], method=row["method"],
        path=row["path"], status_code=row["status_code"], error_code=row.get("error_code", ""),
        error_message=row.get("error_message", ""), latency_ms=row["latency_ms"], request_id=row["request_id"],
        client_name=client.name, client_version=client.version,
        user_agent=user_agent,
    ))


def _refuse_repeated_request_ids(recorded: list[RecordedRequest]) -> None:
    seen = set()
    for position, row in enumerate(recorded, start=1):
        if row.request.request_id in seen:
            raise OpsError(f"Row {position}: {DUPLICATE_REQUEST_ID}", field="request_id")
        seen.add(row.request.request_id)


def _rollup_deltas(recorded: list[RecordedRequest]) -> dict[tuple, LatencyHistogram]:
    deltas: dict[tuple, LatencyHistogram] = {}
    for row in recorded:
        histogram = deltas.setdefault(row.rollup_key, LatencyHistogram.empty())
        latency = row.request.latency_ms
        histogram.counts[bucket_index(latency)] += 1
        histogram.total_ms += latency
        histogram.max_ms = max(histogram.max_ms, latency)
    return deltas


def _daily_deltas(hourly: dict[tuple, LatencyHistogram]) -> dict[tuple, LatencyHistogram]:
    """The hourly deltas (keyed as ROLLUP_KEY) added up by UTC day (keyed as DAILY_ROLLUP_KEY)."""
    daily: dict[tuple, LatencyHistogram] = {}
    for (platform_id, hour, *rest), histogram in hourly.items():
        day = hour.astimezone(datetime.UTC).date()
        daily.setdefault((platform_id, day, *rest), LatencyHistogram.empty()).add(histogram)
    return daily


def _rollups_add(model: type[ApiRequestCounts], key: tuple[str, ...], deltas: dict[tuple, LatencyHistogram]) -> None:
    """Add each delta to its rollup row in one INSERT … ON CONFLICT DO UPDATE per chunk, which
    PostgreSQL and SQLite spell alike: concurrent writers add to the same row instead of racing
    to create it. Rows are written in key order, so two batches that share rows lock them in
    the same order and cannot deadlock."""
    table = model._meta.db_table
    period = model._meta.get_field(key[1])
    counted = ("request_count", "latency_total_ms", *BUCKET_FIELDS)
    columns = (*key, "latency_max_ms", *counted)
    updates = [f"{name} = {table}.{name} + excluded.{name}" for name in counted]
    updates.append(f"latency_max_ms = CASE WHEN excluded.latency_max_ms > {table}.latency_max_ms "
                   f"THEN excluded.latency_max_ms ELSE {table}.latency_max_ms END")
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    items = sorted(deltas.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), UPSERT_CHUNK):
            chunk = items[start:start + UPSERT_CHUNK]
            parameters = []
            for (platform_id, hour_or_day, *rest), histogram in chunk:
                parameters += [platform_id, period.get_db_prep_value(hour_or_day, connection), *rest,
                               histogram.max_ms, histogram.count, histogram.total_ms, *histogram.counts]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(updates)}",
                parameters,
            )


def api_rollups_rebuild(*, since: datetime.date, until: datetime.date, platform: Platform | None = None) -> int:
    """Recompute the hourly and daily rollups of the days `since` to `until` (inclusive, UTC) from
    the log, one platform and one day at a time (each an indexed range of the log, in its own
    transaction). Returns how many rollup rows (hourly and daily) were written; the platforms'
    traffic summaries kept in the cache are not served again."""
    platforms = [platform] if platform else list(Platform.objects.order_by("pk"))
    written = 0
    day = since
    while day <= until:
        start = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
        for each in platforms:
            written += _rebuild_day(each, start, start + datetime.timedelta(days=1))
        day += datetime.timedelta(days=1)
    return written


def _bucket_counts() -> dict:
    lower_bounds = (None, *BUCKET_BOUNDS_MS)
    upper_bounds = (*BUCKET_BOUNDS_MS, None)
    counts = {}
    for name, lower, upper in zip(BUCKET_FIELDS, lower_bounds, upper_bounds):
        condition = Q()
        if lower is not None:
            condition &= Q(latency_ms__gt=lower)
        if upper is not None:
            condition &= Q(latency_ms__lte=upper)
        counts[name] = Count("id", filter=condition)
    return counts


@transaction.atomic
def _rebuild_day(platform: Platform, start: datetime.datetime, end: datetime.datetime) -> int:
    ApiRequestRollup.objects.filter(platform=platform, hour__gte=start, hour__lt=end).delete()
    ApiRequestDailyRollup.objects.filter(platform=platform, day=start.date()).delete()
    groups = (
        ApiRequest.objects.filter(platform=platform, occurred_at__gte=start, occurred_at__lt=end)
        .annotate(hour=TruncHour("occurred_at", tzinfo=datetime.UTC))
        .values(*ROLLUP_KEY)
        .annotate(request_count=Count("id"), latency_total_ms=Sum("latency_ms"), latency_max_ms=Max("latency_ms"),
                  **_bucket_counts())
        .order_by()
    )
    rollups = [ApiRequestRollup(**group) for group in groups]
    ApiRequestRollup.objects.bulk_create(rollups, batch_size=INSERT_CHUNK)
    hourly = {tuple(getattr(rollup, name) for name in ROLLUP_KEY): rollup.latency for rollup in rollups}
    daily = [_rollup_row(ApiRequestDailyRollup, DAILY_ROLLUP_KEY, key, histogram)
             for key, histogram in _daily_deltas(hourly).items()]
    ApiRequestDailyRollup.objects.bulk_create(daily, batch_size=INSERT_CHUNK)
    traffic_changed([platform.pk])
    return len(rollups) + len(daily)


def _rollup_row(model: type[ApiRequestCounts], key_names: tuple[str, ...], key: tuple,
                histogram: LatencyHistogram) -> ApiRequestCounts:
    return model(**dict(zip(key_names, key)), request_count=histogram.count, latency_total_ms=histogram.total_ms,
                 latency_max_ms=histogram.max_ms, **dict(zip(BUCKET_FIELDS, histogram.counts)))
