"""What the platform page shows: its API traffic over a window of days, read once (the rollups'
summary of apilog/traffic_summary.py, the changelog, the newest failing requests, the newest
callbacks' deliveries) and turned into charts, tables and the console's answers — a fixed handful
of queries whatever the traffic."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass

from accounts.models import Platform
from apilog.models import ApiChange, ApiRequest
from apilog.selectors import (
    DEFAULT_DAYS,
    MAX_DAYS,
    ApiWindow,
    api_changes_between,
    platform_callback_deliveries,
    platform_failed_requests,
)
from apilog.traffic_summary import TrafficRow, TrafficSummary, traffic_summary
from apilog.verdicts import platform_api_verdict, platform_callbacks_verdict
from opsconsole.explaining.panel import ShownAnswer, ShownEvidence, record_url
from payments.models import CallbackDelivery
from payments.ops.resend_failing_callbacks import PlatformOffer, offer_on_platform

VIEW_REQUESTS = "apilog.view_apirequest"
VIEW_DELIVERIES = "payments.view_callbackdelivery"
ENDPOINTS_CHARTED = 6
SLOWEST_SHOWN = 5
DELIVERIES_SHOWN = 15
STATUS_SERIES = (
    ("succeeded", "Succeeded (2xx, 3xx)", "#22c55e"),
    ("refused", "Refused (4xx)", "#f59e0b"),
    ("failed", "Failed (5xx)", "#ef4444"),
)
ENDPOINT_COLOURS = ("#6366f1", "#0ea5e9", "#14b8a6", "#f97316", "#a855f7", "#64748b", "#94a3b8")
CHANGE_COLOUR, BREAKING_CHANGE_COLOUR = "#64748b", "#be123c"

DATE_PROBLEM = "“{field}” must be a date as YYYY-MM-DD, not “{value}”."
ORDER_PROBLEM = "“since” must be on or before “until”."
LENGTH_PROBLEM = f"Choose at most {MAX_DAYS} days."
# The API log starts long after this, and a window reaching before it (or past the calendar's end)
# cannot even be counted in days.
EARLIEST_DAY = datetime.date(2000, 1, 1)
RANGE_PROBLEM = "“{field}” must be a day from {earliest:%d %b %Y} to a year from today, not “{value}”."


def api_window_from(*, since: str | None, until: str | None,
                    today: datetime.date) -> tuple[ApiWindow | None, str | None]:
    """The window the page's `since` and `until` ask for (by default the last 30 days), or the
    problem with them."""
    days = {}
    for field, value, default in (("until", until, today), ("since", since, None)):
        if not value:
            days[field] = default
            continue
        try:
            days[field] = datetime.date.fromisoformat(value)
        except ValueError:
            return None, DATE_PROBLEM.format(field=field, value=value)
        if not EARLIEST_DAY <= days[field] <= today + datetime.timedelta(days=366):
            return None, RANGE_PROBLEM.format(field=field, earliest=EARLIEST_DAY, value=value)
    window = (ApiWindow(days["since"], days["until"]) if days["since"]
              else ApiWindow.ending(days["until"], days=DEFAULT_DAYS))
    if window.since > window.until:
        return None, ORDER_PROBLEM
    if len(window.days) > MAX_DAYS:
        return None, LENGTH_PROBLEM
    return window, None


@dataclass(frozen=True)
class Chart:
    """Chart.js data and options as JSON, for unfold's chart components."""

    data: str
    options: str


@dataclass(frozen=True)
class ChangeMark:
    change: ApiChange
    day: datetime.date
    url: str | None


@dataclass(frozen=True)
class DeliveryOutcome:
    label: str
    count: int


@dataclass
class PlatformApiPage:
    platform: Platform
    window: ApiWindow
    total: int
    failed: int
    answers: list[ShownAnswer]
    status_chart: Chart
    endpoint_chart: Chart
    by_endpoint: list[TrafficRow]
    by_client: list[TrafficRow]
    slowest: list[TrafficRow]
    changes: list[ChangeMark]
    failures: list[ApiRequest]
    deliveries: list[CallbackDelivery] | None
    delivery_outcomes: list[DeliveryOutcome]
    # "Resend 12 failing callbacks", for people who may, where there are some.
    resend_failing_callbacks: PlatformOffer | None = None


def platform_api_page(*, platform: Platform, window: ApiWindow, user) -> PlatformApiPage:
    changes = api_changes_between(start=window.start, end=window.end)
    summary = traffic_summary(platform_id=platform.pk, window=window, changes=changes)
    failures = platform_failed_requests(platform=platform, window=window)
    verdicts = [("Are this platform's API requests failing, and why?",
                 platform_api_verdict(platform=platform, summary=summary, failures=failures))]
    deliveries, resend_offer = None, None
    if user.has_perm(VIEW_DELIVERIES):
        deliveries = platform_callback_deliveries(platform=platform, window=window)
        verdicts.append(("Is this platform receiving its callbacks?",
                         platform_callbacks_verdict(platform=platform, window=window, deliveries=deliveries)))
        resend_offer = offer_on_platform(platform=platform, user=user)
    by_endpoint = summary.by_endpoint
    marks = [ChangeMark(change, change.changed_at.astimezone(datetime.UTC).date(), record_url(change, user))
             for change in changes]
    return PlatformApiPage(
        platform=platform, window=window,
        total=summary.total, failed=summary.failed,
        answers=[_shown(question, verdict, user) for question, verdict in verdicts],
        status_chart=_status_chart(summary, marks), endpoint_chart=_endpoint_chart(summary, marks),
        by_endpoint=sorted(by_endpoint, key=lambda row: (-row.error_rate, -row.total, row.name)),
        by_client=sorted(summary.by_client, key=lambda row: (-row.error_rate, -row.total, row.name)),
        slowest=sorted(by_endpoint, key=lambda row: -(row.latency.p95_ms or 0))[:SLOWEST_SHOWN],
        changes=marks, failures=failures,
        deliveries=deliveries[:DELIVERIES_SHOWN] if deliveries is not None else None,
        delivery_outcomes=_delivery_outcomes(deliveries or []),
        resend_failing_callbacks=resend_offer,
    )


def _shown(question, verdict, user) -> ShownAnswer:
    evidence = [ShownEvidence(item.label, str(item.value), record_url(item.record, user)) for item in verdict.evidence]
    return ShownAnswer(question, verdict, evidence, None, None)


def _day_label(day: datetime.date) -> str:
    return day.strftime("%d %b")


def _change_markers(days: list[datetime.date], marks: list[ChangeMark]) -> dict:
    """A bar the chart's full height on each day with a changelog entry, on an axis of its own:
    the entries drawn on the same time axis as the traffic."""
    changed = {mark.day: mark for mark in marks}
    breaking = {mark.day for mark in marks if mark.change.breaking}
    return {
        "type": "bar", "label": "API change", "yAxisID": "changes", "order": 0, "barThickness": 3,
        "grouped": False,
        "data": [1 if day in changed else None for day in days],
        "backgroundColor": [BREAKING_CHANGE_COLOUR if day in breaking else CHANGE_COLOUR for day in days],
    }


def _options(*, stacked: bool) -> dict:
    return {
        "animation": False, "responsive": True, "maintainAspectRatio": False,
        "plugins": {"legend": {"display": True, "position": "bottom"}},
        "scales": {
            "x": {"stacked": stacked},
            "y": {"stacked": stacked, "beginAtZero": True, "ticks": {"precision": 0}},
            "changes": {"display": False, "min": 0, "max": 1, "stacked": False},
        },
    }


def _status_chart(summary: TrafficSummary, marks: list[ChangeMark]) -> Chart:
    days = summary.window.days
    no_requests = (0,) * len(days)
    datasets = [{"label": label, "data": summary.daily_by_status.get(key, no_requests), "backgroundColor": colour,
                 "order": 1, "stack": "requests"}
                for key, label, colour in STATUS_SERIES]
    return Chart(json.dumps({"labels": [_day_label(day) for day in days],
                             "datasets": [*datasets, _change_markers(days, marks)]}),
                 json.dumps(_options(stacked=True)))


def _endpoint_chart(summary: TrafficSummary, marks: list[ChangeMark]) -> Chart:
    days = summary.window.days
    busiest = [row.name for row in sorted(summary.by_endpoint, key=lambda row: -row.total)[:ENDPOINTS_CHARTED]]
    others = [daily for name, daily in summary.daily_by_endpoint.items() if name not in busiest]
    series = {**{name: summary.daily_by_endpoint[name] for name in busiest},
              "Other endpoints": [sum(counts) for counts in zip(*others)] if others else [0] * len(days)}
    datasets = [{"type": "line", "label": name, "data": data, "borderColor": colour, "backgroundColor": colour,
                 "order": 1, "tension": 0.2, "pointRadius": 0}
                for (name, data), colour in zip(series.items(), ENDPOINT_COLOURS) if any(data)]
    return Chart(json.dumps({"labels": [_day_label(day) for day in days],
                             "datasets": [*datasets, _change_markers(days, marks)]}),
                 json.dumps(_options(stacked=False)))


def _delivery_outcomes(deliveries: list[CallbackDelivery]) -> list[DeliveryOutcome]:
    outcomes = Counter()
    for delivery in deliveries:
        if delivery.response_status is None:
            outcomes["No response"] += 1
        else:
            outcomes[f"{delivery.response_status // 100}xx"] += 1
    return [DeliveryOutcome(label, count) for label, count in sorted(outcomes.items())]
