"""A platform's API traffic over a window, added up for the platform page and its explanation:
worked out once for each state of the platform's log and kept in Django's cache, which every
process shares (Redis with REDIS_URL; settings.py).

A month of a platform's daily rollups is a few thousand cells; reading them, adding them up by
endpoint, client and day and looking for what went wrong (apilog/diagnosis.py) is most of a
platform page's work, for an answer that changes only when requests are recorded. Each platform
has a version in the cache, a new random token whenever its requests are recorded or its rollups
rebuilt (`traffic_changed`, called by apilog/services.py); a summary is kept under the version it
was read at, so once the version moves no process finds it again. (Without REDIS_URL the cache
is the process's own memory, which suits the one process of `make run`.)
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

import redis
from django.core.cache import cache
from django.db import transaction

from apilog.diagnosis import ApiDiagnosis, api_diagnosis
from apilog.latency import LatencyHistogram
from apilog.models import ApiChange
from apilog.selectors import ApiWindow, PlatformTraffic, TrafficCell, traffic_cells

logger = logging.getLogger(__name__)
# What a cache server that is down or hangs raises (Redis; the local-memory cache never does).
CACHE_DOWN = (redis.RedisError, OSError)

# Nothing goes stale: a summary is found only under the version it was read at. The lifetime
# only lets the cache drop summaries no one asks for any more.
SUMMARY_SECONDS = 15 * 60


def status_class(status_code: int) -> str:
    return "failed" if status_code >= 500 else "refused" if status_code >= 400 else "succeeded"


@dataclass(frozen=True)
class TrafficRow:
    """Requests grouped one way (by endpoint, or by client version) over the window."""

    name: str
    total: int
    failed: int
    top_error: str
    latency: LatencyHistogram

    @property
    def error_rate(self) -> float:
        return self.failed / self.total if self.total else 0.0

    @property
    def error_percent(self) -> str:
        return f"{self.error_rate * 100:.1f}%"


@dataclass(frozen=True)
class TrafficSummary:
    """Shared by every page that asks for the same state: read, never changed."""

    window: ApiWindow
    total: int
    failed: int
    # In the order the names first appear in the cells (day, then endpoint, then client).
    by_endpoint: tuple[TrafficRow, ...]
    by_client: tuple[TrafficRow, ...]
    # Requests on each day of the window, by status class and by endpoint.
    daily_by_status: dict[str, tuple[int, ...]]
    daily_by_endpoint: dict[str, tuple[int, ...]]
    diagnosis: ApiDiagnosis


def traffic_summary(*, platform_id: int, window: ApiWindow, changes: list[ApiChange]) -> TrafficSummary:
    """The platform's traffic in the window, added up and diagnosed against `changes`: from the
    cache when it was worked out since the platform's requests were last recorded (whichever
    process did it), else read from the rollups and kept."""
    try:
        key = summary_key(platform_id=platform_id, window=window, version=traffic_version(platform_id),
                          changes=changes)
        summary = cache.get(key)
    except CACHE_DOWN as error:
        logger.warning("The cache did not answer (%s): platform %s's traffic read from its rollups.",
                       error, platform_id)
        key, summary = None, None
    if summary is None:
        cells = traffic_cells(platform_id=platform_id, since=window.since, until=window.until)
        summary = summarised(PlatformTraffic(platform_id, window, cells), changes)
        if key is not None:
            try:
                cache.set(key, summary, timeout=SUMMARY_SECONDS)
            except CACHE_DOWN:
                pass  # shown all the same; kept next time
    return summary


def traffic_changed(platform_ids: Iterable[int]) -> None:
    """Retire the summaries of these platforms, in every process: call it inside the transaction
    that records their requests or rebuilds their rollups.

    The version moves at once, so this transaction's own later reads see its rows, and again when
    the transaction commits: a process that read the rollups in between, before the rows were
    visible to it, kept its summary under a version no one reads any more."""
    platform_ids = sorted(set(platform_ids))
    _new_versions(platform_ids)
    transaction.on_commit(lambda: _new_versions(platform_ids))


def traffic_version(platform_id: int) -> str:
    """The platform's current version: a token never used before, made on the first read (and
    again if the cache dropped it, so a dropped version cannot bring old summaries back)."""
    key = version_key(platform_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, _new_token(), timeout=None)  # of two first readers at once, both use the token added first
        version = cache.get(key) or _new_token()
    return version


def summary_key(*, platform_id: int, window: ApiWindow, version: str, changes: list[ApiChange]) -> str:
    """Everything a summary depends on: the platform's log (by its version), the window, and the
    changelog entries it is diagnosed against."""
    state = [tuple(getattr(change, field.attname) for field in change._meta.concrete_fields) for change in changes]
    changes_digest = hashlib.sha256(repr(state).encode()).hexdigest()[:32]
    return f"apilog:traffic-summary:{platform_id}:{window.since}:{window.until}:{version}:{changes_digest}"


def version_key(platform_id: int) -> str:
    """Where the platform's version is kept in the cache."""
    return f"apilog:traffic-version:{platform_id}"


def _new_token() -> str:
    return secrets.token_hex(16)


def _new_versions(platform_ids: list[int]) -> None:
    # Recording requests must not fail because the cache is down: the summaries kept before then
    # are served until they expire (SUMMARY_SECONDS), which the warning says.
    try:
        cache.set_many({version_key(platform_id): _new_token() for platform_id in platform_ids}, timeout=None)
    except CACHE_DOWN as error:
        logger.warning("The cache did not answer (%s): traffic summaries of platforms %s may be up to %s s old.",
                       error, platform_ids, SUMMARY_SECONDS)


def summarised(traffic: PlatformTraffic, changes: list[ApiChange]) -> TrafficSummary:
    by_endpoint = _rows(traffic.cells, by="endpoint")
    return TrafficSummary(
        window=traffic.window,
        total=sum(row.total for row in by_endpoint), failed=sum(row.failed for row in by_endpoint),
        by_endpoint=tuple(by_endpoint), by_client=tuple(_rows(traffic.cells, by="client")),
        daily_by_status=_daily(traffic, name_of=lambda cell: status_class(cell.status_code)),
        daily_by_endpoint=_daily(traffic, name_of=attrgetter("endpoint")),
        diagnosis=api_diagnosis(traffic, changes),
    )


def _rows(cells: list[TrafficCell], *, by: str) -> list[TrafficRow]:
    """The cells added up by their attribute `by` ("endpoint" or "client")."""
    groups: dict[str, list[TrafficCell]] = {}
    name_of = attrgetter(by)
    for cell in cells:
        groups.setdefault(name_of(cell), []).append(cell)
    return [_row(name, group) for name, group in groups.items()]


def _row(name: str, cells: list[TrafficCell]) -> TrafficRow:
    errors = Counter()
    for cell in cells:
        if cell.failed:
            errors[f"{cell.status_code} {cell.error_code}".strip()] += cell.count
    return TrafficRow(name, sum(cell.count for cell in cells), sum(errors.values()),
                      errors.most_common(1)[0][0] if errors else "",
                      LatencyHistogram.summed(cell.latency for cell in cells))


def _daily(traffic: PlatformTraffic, *, name_of) -> dict[str, tuple[int, ...]]:
    days = traffic.window.days
    position = {day: index for index, day in enumerate(days)}
    counts: dict[str, list[int]] = {}
    for cell in traffic.cells:
        counts.setdefault(name_of(cell), [0] * len(days))[position[cell.day]] += cell.count
    return {name: tuple(daily) for name, daily in counts.items()}
