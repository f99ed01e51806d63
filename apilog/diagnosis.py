"""What went wrong with a platform's API traffic, found in its daily traffic cells (summed from
the rollups) and the changelog. Pure functions: no queries.

Three rules:
- a breaking change followed by failures concentrated in one client version: after the change
  that version fails most of its requests to the endpoint while other clients (and, ideally, a
  newer version of the same SDK) do fine;
- a rise on one endpoint: the error rate or the p95 latency after some day is well above what it
  was before, found by trying every day as the split and keeping the one that best separates
  two levels; a changelog entry is named as its cause only when it touches that endpoint (or is
  a breaking change to the whole API), is dated on or at most a day before the rise, and the
  rise shows in the counts;
- failures whatever the history: a client version, or an endpoint, failing a large share of
  enough requests over the whole window, as a platform failing from its first day does (it has
  no "before" to compare with, and no change to follow).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate

from apilog.clients import ApiClient, version_key
from apilog.latency import LatencyHistogram
from apilog.models import ApiChange
from apilog.selectors import PlatformTraffic, TrafficCell

# A client version is judged on at least this many requests after the change.
MIN_REQUESTS = 5
# After a breaking change the broken version fails at least this share of its requests...
FAILING_RATE = 0.5
# ...while a healthy one fails fewer than this (ordinary validation errors stay well below it).
HEALTHY_RATE = 0.2
# A rise is judged on at least three days of traffic before the split and two after it.
MIN_DAYS_BEFORE, MIN_DAYS_AFTER = 3, 2
# An error-rate rise: at least ten failures after, at least double the rate before and at least
# five points above it — ordinary noise (a percent or two of 4xx) never gets there.
MIN_FAILED_AFTER = 10
MIN_RATE_RATIO, MIN_RATE_POINTS = 2.0, 0.05
# A latency rise: p95 at least doubled and at least 200 ms slower, on twenty requests each side.
MIN_LATENCY_REQUESTS = 20
MIN_LATENCY_RATIO, MIN_LATENCY_MS = 2.0, 200
# A changelog entry dated on the rise's first day or this many days before it may be its cause.
CHANGE_BEFORE_DAYS = 1
# Judged on absolute terms too, not only against the platform's own past: failing at least this
# share of at least this many requests over the window is a finding, whatever came before. A
# quarter is far above ordinary validation errors (a percent or two) and below the half or more
# a broken integration shows.
PERSISTENT_FAILING_RATE = 0.25
PERSISTENT_MIN_REQUESTS = 20
# With fewer requests than this in the window and no finding, the traffic is too thin to call
# healthy: the answer says so instead.
ENOUGH_REQUESTS_TO_JUDGE = 30


@dataclass
class ClientTally:
    client: ApiClient
    total_before: int = 0
    failed_before: int = 0
    total_after: int = 0
    failed_after: int = 0
    errors_after: Counter = field(default_factory=Counter)

    @property
    def rate_before(self) -> float:
        return self.failed_before / self.total_before if self.total_before else 0.0

    @property
    def rate_after(self) -> float:
        return self.failed_after / self.total_after if self.total_after else 0.0

    @property
    def judged(self) -> bool:
        return self.total_after >= MIN_REQUESTS

    @property
    def healthy_after(self) -> bool:
        return self.judged and self.rate_after < HEALTHY_RATE


@dataclass(frozen=True)
class BreakingChangeFinding:
    """Since `change`, requests from `client` to `endpoint` fail with `status_code` `error_code`."""

    change: ApiChange
    endpoint: str
    client: ApiClient
    status_code: int
    error_code: str
    failed: int
    total: int
    failed_before: int
    total_before: int
    fixed_in: ApiClient | None
    healthy: list[ClientTally]


@dataclass(frozen=True)
class RiseFinding:
    """On `endpoint`, the error rate (`kind` "error_rate", as a fraction) or the p95 latency
    (`kind` "latency", in ms) went from `before` to `after` from `since` on."""

    kind: str
    endpoint: str
    since: datetime.date
    before: float
    after: float
    requests_before: int
    requests_after: int
    failed_after: int
    top_error: tuple[int, str] | None
    change: ApiChange | None


@dataclass(frozen=True)
class PersistentFailureFinding:
    """Over the whole window, requests to `endpoint` from `client` (None: from every client) fail
    at a rate no history excuses."""

    endpoint: str
    client: ApiClient | None
    failed: int
    total: int
    top_error: tuple[int, str]
    fixed_in: ApiClient | None


def breaking_change_findings(traffic: PlatformTraffic, changes: list[ApiChange]) -> list[BreakingChangeFinding]:
    findings = []
    for change in changes:
        if change.breaking and change.endpoint:
            findings += _failing_versions_after(change, traffic.for_endpoint(change.endpoint))
    return findings


def client_tallies(cells: list[TrafficCell], change_day: datetime.date) -> dict[ApiClient, ClientTally]:
    """Each client version's requests and failures before the change's day and from it on."""
    tallies: dict[ApiClient, ClientTally] = {}
    for cell in cells:
        client = ApiClient(cell.client_name, cell.client_version)
        tally = tallies.setdefault(client, ClientTally(client))
        failed = cell.count if cell.failed else 0
        if cell.day >= change_day:
            tally.total_after += cell.count
            tally.failed_after += failed
            if failed:
                tally.errors_after[cell.status_code, cell.error_code] += failed
        else:
            tally.total_before += cell.count
            tally.failed_before += failed
    return tallies


def _failing_versions_after(change: ApiChange, cells: list[TrafficCell]) -> list[BreakingChangeFinding]:
    tallies = client_tallies(cells, change.changed_at.astimezone(datetime.UTC).date())
    healthy = [tally for tally in tallies.values() if tally.healthy_after]
    if not healthy:
        return []  # everyone fails: not one client's problem (the rise rule reports it)
    findings = []
    for tally in tallies.values():
        worked_before = tally.total_before < MIN_REQUESTS or tally.rate_before < HEALTHY_RATE
        if not (tally.judged and tally.rate_after >= FAILING_RATE and worked_before):
            continue
        (status_code, error_code), _ = tally.errors_after.most_common(1)[0]
        findings.append(BreakingChangeFinding(
            change, change.endpoint, tally.client, status_code, error_code, tally.failed_after, tally.total_after,
            tally.failed_before, tally.total_before, _fixed_in(tally.client, healthy), healthy,
        ))
    return findings


def _fixed_in(client: ApiClient, healthy: list[ClientTally]) -> ApiClient | None:
    """The oldest newer version of the same SDK that works."""
    newer = [tally.client for tally in healthy if tally.client.name == client.name
             and version_key(tally.client.version) > version_key(client.version)]
    return min(newer, key=lambda newer_client: version_key(newer_client.version), default=None)


@dataclass
class _Day:
    total: int = 0
    failed: int = 0
    errors: Counter = field(default_factory=Counter)
    latency: LatencyHistogram = field(default_factory=LatencyHistogram.empty)


def rise_findings(traffic: PlatformTraffic, changes: list[ApiChange], *,
                  excluded: set[tuple[str, ApiClient]] = frozenset()) -> list[RiseFinding]:
    """Each endpoint's largest error-rate rise and largest latency rise, if any is large enough;
    requests of the (endpoint, client) pairs in `excluded` (already explained) are left out."""
    findings = []
    for endpoint in traffic.endpoints:
        days = _daily(traffic.for_endpoint(endpoint), endpoint, excluded)
        if len(days) < MIN_DAYS_BEFORE + MIN_DAYS_AFTER:
            continue
        for finder in (_error_rate_rise, _latency_rise):
            if finding := finder(endpoint, days, changes):
                findings.append(finding)
    return findings


def _daily(cells: list[TrafficCell], endpoint: str, excluded) -> list[tuple[datetime.date, _Day]]:
    excluded_clients = {client for excluded_endpoint, client in excluded if excluded_endpoint == endpoint}
    cells_by_day: dict[datetime.date, list[TrafficCell]] = {}
    for cell in cells:
        if excluded_clients and ApiClient(cell.client_name, cell.client_version) in excluded_clients:
            continue
        cells_by_day.setdefault(cell.day, []).append(cell)
    return sorted((day, _day_of(day_cells)) for day, day_cells in cells_by_day.items())


def _day_of(cells: list[TrafficCell]) -> _Day:
    errors = Counter()
    for cell in cells:
        if cell.failed:
            errors[cell.status_code, cell.error_code] += cell.count
    return _Day(sum(cell.count for cell in cells), sum(errors.values()), errors,
                LatencyHistogram.summed(cell.latency for cell in cells))


def _splits(days):
    """(position, days before, days after) for every split with enough days on each side."""
    for position in range(MIN_DAYS_BEFORE, len(days) - MIN_DAYS_AFTER + 1):
        yield position, days[:position], days[position:]


def _shift_score(count_before: int, mean_before: float, count_after: int, mean_after: float) -> float:
    """How well a split explains the values as two levels (the between-groups sum of squares of
    a mean-shift change point): it weighs the size of the shift by how many requests show it,
    so a noisy day at either end does not win over the day the level really changed."""
    total = count_before + count_after
    return count_before * count_after / total * (mean_after - mean_before) ** 2


def _error_rate_rise(endpoint, days, changes) -> RiseFinding | None:
    totals = [0, *accumulate(day.total for _, day in days)]
    failures = [0, *accumulate(day.failed for _, day in days)]
    best = None
    for position, _, _ in _splits(days):
        total_before, failed_before = totals[position], failures[position]
        total_after, failed_after = totals[-1] - total_before, failures[-1] - failed_before
        if not total_before or not total_after or failed_after < MIN_FAILED_AFTER:
            continue
        before, after = failed_before / total_before, failed_after / total_after
        if after >= MIN_RATE_RATIO * before and after - before >= MIN_RATE_POINTS:
            score = _shift_score(total_before, before, total_after, after)
            if best is None or score > best[0]:
                best = (score, position, before, after, total_before, total_after, failed_after)
    if best is None:
        return None
    _, position, before, after, total_before, total_after, failed_after = best
    since = days[position][0]
    errors = sum((day.errors for _, day in days[position:]), Counter())
    return RiseFinding("error_rate", endpoint, since, before, after, total_before, total_after, failed_after,
                       errors.most_common(1)[0][0] if errors else None, change_behind(changes, endpoint, since))


def _latency_rise(endpoint, days, changes) -> RiseFinding | None:
    """The split is chosen on mean latency (a p95 over a window hides where the tail began) and
    judged on p95, the figure people quote."""
    before_each, after_each = _running_latency(days)
    best = None
    for position, _, _ in _splits(days):
        before, after = before_each[position], after_each[position]
        if before.count < MIN_LATENCY_REQUESTS or after.count < MIN_LATENCY_REQUESTS:
            continue
        p95_before, p95_after = before.p95_ms, after.p95_ms
        if p95_after >= MIN_LATENCY_RATIO * p95_before and p95_after - p95_before >= MIN_LATENCY_MS:
            score = _shift_score(before.count, before.mean_ms, after.count, after.mean_ms)
            if after.mean_ms > before.mean_ms and (best is None or score > best[0]):
                best = (score, position, p95_before, p95_after, before.count, after.count)
    if best is None:
        return None
    _, position, before, after, count_before, count_after = best
    since = days[position][0]
    failed_after = sum(day.failed for _, day in days[position:])
    return RiseFinding("latency", endpoint, since, before, after, count_before, count_after, failed_after, None,
                       change_behind(changes, endpoint, since))


def _running_latency(days) -> tuple[list[LatencyHistogram], list[LatencyHistogram]]:
    """For each position, the latency of the days before it and of the days from it on: every
    split in one pass each way rather than a sum per split (a histogram's slowest request cannot
    be subtracted, so the days after are summed from the end)."""
    before_each = [LatencyHistogram.empty()]
    for _, day in days:
        running = before_each[-1].copy()
        running.add(day.latency)
        before_each.append(running)
    after_each = [LatencyHistogram.empty()]
    for _, day in reversed(days):
        running = after_each[-1].copy()
        running.add(day.latency)
        after_each.append(running)
    after_each.reverse()
    return before_each, after_each


def change_behind(changes: list[ApiChange], endpoint: str, since: datetime.date) -> ApiChange | None:
    """The changelog entry that may have caused a rise on `endpoint` from `since` on: one about
    that endpoint, or a breaking one about the whole API (a note about the whole API that breaks
    nothing explains no errors), dated on `since` or at most CHANGE_BEFORE_DAYS before it (a
    change after the rise began did not cause it). An entry naming the endpoint wins, then the latest."""
    def changed_on(change: ApiChange) -> datetime.date:
        return change.changed_at.astimezone(datetime.UTC).date()

    behind = [change for change in changes
              if (change.endpoint == endpoint or (not change.endpoint and change.breaking))
              and 0 <= (since - changed_on(change)).days <= CHANGE_BEFORE_DAYS]
    return min(behind, key=lambda change: (not change.endpoint, (since - changed_on(change)).days), default=None)


def persistent_failure_findings(traffic: PlatformTraffic, *, explained: set[tuple[str, ApiClient]],
                                explained_endpoints: set[str]) -> list[PersistentFailureFinding]:
    """Client versions failing at least PERSISTENT_FAILING_RATE of at least PERSISTENT_MIN_REQUESTS
    requests over the window while another does well; otherwise whole endpoints failing so. What
    a change or a rise explains already is left out."""
    findings = []
    for endpoint in traffic.endpoints:
        if endpoint in explained_endpoints:
            continue
        cells = traffic.for_endpoint(endpoint)
        tallies = client_tallies(cells, traffic.window.since).values()
        healthy = [tally for tally in tallies if tally.healthy_after]
        unexplained = [tally for tally in tallies if (endpoint, tally.client) not in explained]
        failing = [tally for tally in unexplained if _failing_throughout(tally.total_after, tally.failed_after)]
        if healthy and failing:
            findings += [PersistentFailureFinding(endpoint, tally.client, tally.failed_after, tally.total_after,
                                                  tally.errors_after.most_common(1)[0][0],
                                                  _fixed_in(tally.client, healthy))
                         for tally in failing]
            continue
        # No client version stands out (or none does well): the endpoint as a whole.
        total = sum(tally.total_after for tally in unexplained)
        failed = sum(tally.failed_after for tally in unexplained)
        if _failing_throughout(total, failed):
            errors = sum((tally.errors_after for tally in unexplained), Counter())
            findings.append(PersistentFailureFinding(endpoint, None, failed, total, errors.most_common(1)[0][0], None))
    return findings


def _failing_throughout(total: int, failed: int) -> bool:
    return total >= PERSISTENT_MIN_REQUESTS and failed / total >= PERSISTENT_FAILING_RATE


@dataclass(frozen=True)
class ApiDiagnosis:
    breaking_changes: list[BreakingChangeFinding]
    error_rises: list[RiseFinding]
    latency_rises: list[RiseFinding]
    persistent_failures: list[PersistentFailureFinding] = field(default_factory=list)

    @property
    def findings(self) -> list:
        """Most specific first: a client version broken by a change, then error rises, then
        failures whatever the history, then latency."""
        return [*self.breaking_changes, *self.error_rises, *self.persistent_failures, *self.latency_rises]


def api_diagnosis(traffic: PlatformTraffic, changes: list[ApiChange]) -> ApiDiagnosis:
    breaking = breaking_change_findings(traffic, changes)
    explained = {(finding.endpoint, finding.client) for finding in breaking}
    rises = rise_findings(traffic, changes, excluded=explained)
    by_size = sorted(rises, key=lambda rise: -(rise.after - rise.before) / max(rise.before, 0.001))
    error_rises = [rise for rise in by_size if rise.kind == "error_rate"]
    persistent = persistent_failure_findings(traffic, explained=explained,
                                             explained_endpoints={rise.endpoint for rise in error_rises})
    return ApiDiagnosis(breaking, error_rises, [rise for rise in by_size if rise.kind == "latency"], persistent)
