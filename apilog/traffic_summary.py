"""A platform's API traffic over a window, added up for the platform page and its explanation:
worked out once for each state of the platform's rollups and kept in this process's memory.

A month of a platform's daily rollups is a few thousand cells; reading them, adding them up by
endpoint, client and day and looking for what went wrong (apilog/diagnosis.py) took ~25 ms on
every view, for an answer that changes only when requests are recorded. One aggregate over the
same index range of rollups — their newest id and summed counts, for the window's last day and
for the days before it — tells whether anything was recorded since; with the changelog entries
the diagnosis read, it names the state a kept summary was worked out for.

Requests are recorded as they arrive, so the window's last day (today) changes all day while the
days before it almost never do: their cells are kept too, and after a recording only the last
day's rollups are read again (a thirtieth of the month) and the summary worked out anew.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from operator import attrgetter

from django.db.models import Max, Q, Sum

from apilog.diagnosis import ApiDiagnosis, api_diagnosis
from apilog.latency import LatencyHistogram
from apilog.models import ApiChange, ApiRequestDailyRollup
from apilog.selectors import ApiWindow, PlatformTraffic, TrafficCell, traffic_cells
from opsconsole.process_memo import ProcessMemo

# Nothing goes stale: a kept summary is found only under the state it was worked out for. The
# lifetime and the bound keep the memory a worker spends on summaries no one asks for small.
KEPT_SECONDS = 15 * 60
KEPT_SUMMARIES = 64
# Each holds a few thousand cells, which the garbage collector walks: a few windows' worth.
KEPT_EARLIER_CELLS = 8


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


kept_summaries = ProcessMemo(seconds=KEPT_SECONDS, entries=KEPT_SUMMARIES)
kept_earlier_cells = ProcessMemo(seconds=KEPT_SECONDS, entries=KEPT_EARLIER_CELLS)


def traffic_summary(*, platform_id: int, window: ApiWindow, changes: list[ApiChange]) -> TrafficSummary:
    """The platform's traffic in the window, added up and diagnosed against `changes`."""
    earlier_state, last_day_state = _rollups_state(platform_id, window)
    key = (platform_id, window, earlier_state, last_day_state, _changes_state(changes))
    summary = kept_summaries.get(key)
    if summary is None:
        cells = _window_cells(platform_id, window, earlier_state)
        summary = summarised(PlatformTraffic(platform_id, window, cells), changes)
        kept_summaries.put(key, summary)
    return summary


def _window_cells(platform_id: int, window: ApiWindow, earlier_state: tuple) -> list[TrafficCell]:
    """The window's cells: the earlier days' kept from a read in the same state and the last
    day's read now, or all of them read now (and the earlier days' kept)."""
    key = (platform_id, window, earlier_state)
    earlier = kept_earlier_cells.get(key)
    if earlier is not None:
        return earlier + traffic_cells(platform_id=platform_id, since=window.until, until=window.until)
    cells = traffic_cells(platform_id=platform_id, since=window.since, until=window.until)
    kept_earlier_cells.put(key, [cell for cell in cells if cell.day < window.until])
    return cells


def _rollups_state(platform_id: int, window: ApiWindow) -> tuple[tuple, tuple]:
    """What changes, for the days before the window's last and for the last, whenever a request
    of those days is recorded or the rollups are rebuilt: recording adds to the counts, a rebuild
    makes new rows."""
    parts = {"earlier": Q(day__lt=window.until), "last_day": Q(day=window.until)}
    state = ApiRequestDailyRollup.objects.filter(
        platform_id=platform_id, day__gte=window.since, day__lte=window.until,
    ).aggregate(**{
        f"{part}_{name}": aggregate(column, filter=days)
        for part, days in parts.items()
        for name, aggregate, column in (("newest", Max, "pk"), ("requests", Sum, "request_count"),
                                        ("latency", Sum, "latency_total_ms"))
    })
    return tuple(tuple(state[f"{part}_{name}"] for name in ("newest", "requests", "latency")) for part in parts)


def _changes_state(changes: list[ApiChange]) -> tuple:
    return tuple(tuple(getattr(change, field.attname) for field in change._meta.concrete_fields)
                 for change in changes)


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
