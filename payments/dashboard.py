"""The payments panels on the dashboard (dashboard/panels.py): the items waiting longest for their
payment, the failed, returned and overdue disbursements, and the platforms whose callback
endpoints are failing. Each counts only the platforms the person may see.

Every count filters on an indexed column (payments/selectors.py) and every list is limited, so the
panels cost the same on a database of millions of rows as on the demo.
"""

import datetime
from dataclasses import dataclass

from django.contrib import admin
from django.utils import timezone

from batches.dashboard import overdue_batch_ids
from dashboard.metrics import COUNT_UP_TO, Metric, changelist_url
from dashboard.panels import Panel, PanelContent, Viewing, register
from opsconsole.admin_urls import record_admin_url
from payments.models import Callback, Disbursement, Item, ItemState
from payments.selectors import (
    CALLBACK_FAILURE_STATUSES,
    callback_endpoints_failing,
    disbursements_count_by_status,
    disbursements_latest,
    disbursements_overdue,
    items_count_in_state,
    items_pending_clocks,
    items_waiting_longest,
)

WAITING_ITEMS_SHOWN = 10
RECENT_DISBURSEMENTS_SHOWN = 5
FAILING_ENDPOINTS_SHOWN = 10
DISBURSEMENT_PROBLEMS = (Disbursement.Status.FAILED, Disbursement.Status.RETURNED)
DISBURSEMENT_PROBLEM_LABELS = {
    Disbursement.Status.FAILED: "Failed disbursements",
    Disbursement.Status.RETURNED: "Returned disbursements",
}


@dataclass(frozen=True)
class WaitingItem:
    item: Item
    url: str
    waiting: datetime.timedelta
    overdue_by: str = ""  # by its pending clock (payments/pending_clocks.py), as its explanation says


@dataclass(frozen=True)
class WaitingItems(PanelContent):
    items: list[WaitingItem]  # the longest waiting first
    count: Metric  # all of them, linked to the list sorted longest waiting first


@dataclass(frozen=True)
class ProblemDisbursement:
    disbursement: Disbursement
    url: str


@dataclass(frozen=True)
class DisbursementProblems(PanelContent):
    counts: list[Metric]  # failed, returned, overdue
    latest: list[ProblemDisbursement]  # the newest failed or returned


@dataclass(frozen=True)
class FailingEndpoint:
    platform_name: str
    by_status: list[Metric]
    total: int


@dataclass(frozen=True)
class FailingEndpoints(PanelContent):
    since: datetime.date
    endpoints: list[FailingEndpoint]  # the most failing first


def _longest_waiting_first(model, field_name: str) -> dict[str, str]:
    """The list's own sort parameter (`o`) for `field_name` ascending, if the list shows it."""
    list_display = list(admin.site.get_model_admin(model).list_display)
    return {"o": str(list_display.index(field_name) + 1)} if field_name in list_display else {}


def waiting_items(viewing: Viewing) -> WaitingItems:
    state, now, user = ItemState.PAYMENT_PENDING, viewing.now, viewing.user
    waiting = list(items_waiting_longest(state=state, limit=WAITING_ITEMS_SHOWN, visible_to=user))
    clocks = items_pending_clocks(items=waiting)
    shown = [
        WaitingItem(item, record_admin_url(item), now - item.state_changed_at,
                    clocks[item.pk].overdue_by(now) if clocks[item.pk] and clocks[item.pk].overdue(now) else "")
        for item in waiting
    ]
    count = items_count_in_state(state=state, up_to=COUNT_UP_TO, visible_to=user)
    count_metric = Metric(
        "Items in payment pending", count,
        changelist_url(Item, state__exact=state, **_longest_waiting_first(Item, "state_changed_at")),
        "warning" if count else "success",
    )
    return WaitingItems(headline=[count_metric], items=shown, count=count_metric)


def disbursement_problems(viewing: Viewing) -> DisbursementProblems:
    user = viewing.user
    counts = disbursements_count_by_status(statuses=DISBURSEMENT_PROBLEMS, up_to=COUNT_UP_TO, visible_to=user)
    metrics = [
        Metric(DISBURSEMENT_PROBLEM_LABELS[status], counts[status],
               changelist_url(Disbursement, status__exact=status), "danger" if counts[status] else "success")
        for status in DISBURSEMENT_PROBLEMS
    ]
    overdue = disbursements_overdue(batch_ids=viewing.once(overdue_batch_ids), visible_to=user).count()
    metrics.append(Metric("Overdue disbursements", overdue, changelist_url(Disbursement, overdue="yes"),
                          "danger" if overdue else "success"))
    latest = [
        ProblemDisbursement(disbursement, record_admin_url(disbursement))
        for disbursement in disbursements_latest(statuses=DISBURSEMENT_PROBLEMS, limit=RECENT_DISBURSEMENTS_SHOWN,
                                                 visible_to=user)
    ]
    return DisbursementProblems(headline=metrics, counts=metrics, latest=latest)


def failing_endpoints(viewing: Viewing) -> FailingEndpoints:
    since = timezone.make_aware(datetime.datetime.combine(viewing.since, datetime.time.min))
    since_filter = {"created_at__date__gte": viewing.since.isoformat()}
    endpoints = callback_endpoints_failing(since=since, visible_to=viewing.user)
    shown = [
        FailingEndpoint(
            endpoint.platform_name,
            [Metric(Callback.Status(status).label, endpoint.counts[status],
                    changelist_url(Callback, platform__id__exact=endpoint.platform_id, status__exact=status,
                                   **since_filter),
                    "danger" if endpoint.counts[status] else "neutral")
             for status in CALLBACK_FAILURE_STATUSES],
            endpoint.total,
        )
        for endpoint in endpoints[:FAILING_ENDPOINTS_SHOWN]
    ]
    failing = sum(endpoint.counts[Callback.Status.FAILING] for endpoint in endpoints)
    headline = [Metric(
        f"Failing callbacks since {viewing.since:%a %d %b}", failing,
        changelist_url(Callback, status__exact=Callback.Status.FAILING, **since_filter),
        "danger" if failing else "success",
    )]
    return FailingEndpoints(headline=headline, since=viewing.since, endpoints=shown)


register(Panel(name="waiting-items", permission="payments.view_item", build=waiting_items,
               template="payments/dashboard_waiting_items.html", order=20, shows="items"))
register(Panel(name="disbursements", permission="payments.view_disbursement", build=disbursement_problems,
               template="payments/dashboard_disbursement_problems.html", order=30, shows="disbursements"))
register(Panel(name="callbacks", permission="payments.view_callback", build=failing_endpoints,
               template="payments/dashboard_failing_endpoints.html", order=40, shows="callbacks"))
