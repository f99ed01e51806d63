"""The ops dashboard on the console's front page (unfold's DASHBOARD_CALLBACK, see settings).

What needs a person today: the batches going to the bank today and on the next business day by
status, the items waiting longest for their payment, failed and returned disbursements, and the
platforms whose callback endpoints are failing. Every number links to the admin list it counts,
filtered the same way, and each part is shown only to people who may open that list, counting only
the platforms they may see. Above them, for those who may read the audit trail's verifications,
whether its hash chain was found intact.

Every count filters on an indexed column (see the selectors), and every list is limited, so the
page costs the same on a database of millions of rows as on the demo.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.verification import audit_verification_latest
from batches.lateness import batches_overdue
from batches.models import Batch, Network
from batches.selectors import batches_count_by_day_and_status, batches_count_in_status_since
from opsconsole.admin_urls import record_admin_url
from opsconsole.business_calendar import calendar_for
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

# Failed batches and failing callbacks are counted over this many days back from today.
LOOKBACK_DAYS = 7
# Counts over whole tables (items waiting, failed disbursements) stop here: past ten thousand the
# exact number changes nothing anyone does today, and counting millions of rows would.
COUNT_UP_TO = 10_000
WAITING_ITEMS_SHOWN = 10
RECENT_DISBURSEMENTS_SHOWN = 5
FAILING_ENDPOINTS_SHOWN = 10
DISBURSEMENT_PROBLEMS = (Disbursement.Status.FAILED, Disbursement.Status.RETURNED)
DISBURSEMENT_PROBLEM_LABELS = {
    Disbursement.Status.FAILED: "Failed disbursements",
    Disbursement.Status.RETURNED: "Returned disbursements",
}
# The chain is walked hourly (CELERY_BEAT_SCHEDULE); two hours without a walk means the job stopped.
AUDIT_VERIFICATION_DUE_WITHIN = datetime.timedelta(hours=2)
BATCH_STATUS_TONES = {
    Batch.Status.OPEN: "info",
    Batch.Status.SUBMITTED: "info",
    Batch.Status.ACKNOWLEDGED: "info",
    Batch.Status.SETTLED: "success",
    Batch.Status.FAILED: "danger",
}


@dataclass(frozen=True)
class Metric:
    """A number and the filtered list it counts."""

    label: str
    count: int
    url: str
    tone: str = "neutral"

    @property
    def shown(self) -> str:
        """The count as people read it: past COUNT_UP_TO, just "more than"."""
        return f"{COUNT_UP_TO:,}+" if self.count > COUNT_UP_TO else f"{self.count:,}"


@dataclass(frozen=True)
class BatchDay:
    """One network's batches for one processing day, by status."""

    network: str
    network_label: str
    day: datetime.date
    when: str  # "Today" or "Next business day"
    note: str  # why the bank does not process that day, if it does not
    by_status: list[Metric]
    total: Metric


@dataclass(frozen=True)
class WaitingItem:
    item: Item
    url: str
    waiting: datetime.timedelta
    overdue_by: str = ""  # by its pending clock (payments/pending_clocks.py), as its explanation says


@dataclass(frozen=True)
class ProblemDisbursement:
    disbursement: Disbursement
    url: str


@dataclass(frozen=True)
class FailingEndpoint:
    platform_name: str
    by_status: list[Metric]
    total: int


@dataclass(frozen=True)
class AuditTrailStatus:
    """The latest walk of the audit chain, as a sentence; `alert` when it needs someone now."""

    message: str
    alert: bool


@dataclass
class OpsDashboard:
    """The parts one person may see; a part they may not is None (or empty)."""

    since: datetime.date
    headline: list[Metric] = field(default_factory=list)
    batch_statuses: list[str] = field(default_factory=list)
    batch_days: list[BatchDay] | None = None
    waiting_items: list[WaitingItem] | None = None
    waiting_count: Metric | None = None
    disbursement_counts: list[Metric] | None = None
    recent_disbursements: list[ProblemDisbursement] | None = None
    failing_endpoints: list[FailingEndpoint] | None = None
    audit_trail: AuditTrailStatus | None = None
    overdue_batch_ids: list[int] | None = None  # batches/lateness.py, worked out once for every part

    @property
    def is_empty(self) -> bool:
        return not self.headline and self.audit_trail is None


def dashboard_callback(request, context):
    context["ops_dashboard"] = ops_dashboard(user=request.user)
    return context


def ops_dashboard(*, user, now: datetime.datetime | None = None) -> OpsDashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    dashboard = OpsDashboard(since=today - datetime.timedelta(days=LOOKBACK_DAYS))
    if user.has_perm("batches.view_batch"):
        _add_batches(dashboard, now)
    if user.has_perm("payments.view_item"):
        _add_waiting_items(dashboard, now, user)
    if user.has_perm("payments.view_disbursement"):
        _add_disbursements(dashboard, user, now)
    if user.has_perm("payments.view_callback"):
        _add_failing_endpoints(dashboard, user)
    if user.has_perm("audit.view_auditverification"):
        dashboard.audit_trail = audit_trail_status(now=now)
    return dashboard


def audit_trail_status(*, now: datetime.datetime) -> AuditTrailStatus:
    latest = audit_verification_latest()
    if latest is None:
        first_recorded = AuditEvent.objects.order_by("id").values_list("occurred_at", flat=True).first()
        if first_recorded is None or now - first_recorded <= AUDIT_VERIFICATION_DUE_WITHIN:
            due = (first_recorded or now) + AUDIT_VERIFICATION_DUE_WITHIN
            return AuditTrailStatus(f"The audit trail has not been checked yet: its first check is due by "
                                    f"{timezone.localtime(due):%a %d %b %Y, %H:%M %Z}.", alert=False)
        return AuditTrailStatus("The audit trail has never been verified: the hourly check has not run.", alert=True)
    checked_at = f"{timezone.localtime(latest.checked_at):%a %d %b %Y, %H:%M %Z}"
    if not latest.intact:
        return AuditTrailStatus(f"{latest.message} (found {checked_at}).", alert=True)
    if now - latest.checked_at > AUDIT_VERIFICATION_DUE_WITHIN:
        return AuditTrailStatus(f"The audit trail has not been verified since {checked_at}: "
                                "the hourly check is not running.", alert=True)
    return AuditTrailStatus(f"Audit trail verified at {checked_at}: {latest.events_checked:,} records intact.",
                            alert=False)


def changelist_url(model, **filters) -> str:
    """The admin list of `model`, filtered by `filters` (admin lookups, e.g. status__exact)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def _longest_waiting_first(model, field_name: str) -> dict[str, str]:
    """The list's own sort parameter (`o`) for `field_name` ascending, if the list shows it."""
    list_display = list(admin.site.get_model_admin(model).list_display)
    return {"o": str(list_display.index(field_name) + 1)} if field_name in list_display else {}


def _add_batches(dashboard: OpsDashboard, now: datetime.datetime) -> None:
    """Each network's today (in its own time zone) and next business day: the batches going out."""
    days = []
    for network in Network:
        calendar = calendar_for(network)
        local_today = now.astimezone(calendar.time_zone).date()
        days += [(network, local_today, "Today"), (network, calendar.next_business_day(local_today), "Next business day")]
    counts = batches_count_by_day_and_status(days=[(network, day) for network, day, _ in days])
    dashboard.batch_statuses = [status.capitalize() for status in Batch.Status.values]
    dashboard.batch_days = []
    for network, day, when in days:
        calendar = calendar_for(network)
        filters = {"network__exact": network, "processing_date__exact": day.isoformat()}
        holiday = calendar.holiday_name(day)
        note = f"Bank holiday: {holiday}" if holiday else "" if calendar.is_business_day(day) else "Weekend: no processing"
        by_status = [
            Metric(status.capitalize(), counts.get((network, day, status), 0),
                   changelist_url(Batch, **filters, status__exact=status), BATCH_STATUS_TONES[status])
            for status in Batch.Status.values
        ]
        total = Metric("All", sum(metric.count for metric in by_status), changelist_url(Batch, **filters))
        dashboard.batch_days.append(BatchDay(network, Network(network).label, day, when, note, by_status, total))
    dashboard.overdue_batch_ids = [batch.pk for batch in batches_overdue(now=now)]
    overdue = len(dashboard.overdue_batch_ids)
    dashboard.headline.append(Metric(
        "Overdue batches", overdue, changelist_url(Batch, overdue="yes"), "danger" if overdue else "success"))
    failed = batches_count_in_status_since(status=Batch.Status.FAILED, since=dashboard.since)
    dashboard.headline.append(Metric(
        f"Failed batches since {dashboard.since:%a %d %b}", failed,
        changelist_url(Batch, status__exact=Batch.Status.FAILED, processing_date__gte=dashboard.since.isoformat()),
        "danger" if failed else "success",
    ))


def _add_waiting_items(dashboard: OpsDashboard, now: datetime.datetime, user) -> None:
    state = ItemState.PAYMENT_PENDING
    waiting = list(items_waiting_longest(state=state, limit=WAITING_ITEMS_SHOWN, visible_to=user))
    clocks = items_pending_clocks(items=waiting)
    dashboard.waiting_items = [
        WaitingItem(item, record_admin_url(item), now - item.state_changed_at,
                    clocks[item.pk].overdue_by(now) if clocks[item.pk] and clocks[item.pk].overdue(now) else "")
        for item in waiting
    ]
    count = items_count_in_state(state=state, up_to=COUNT_UP_TO, visible_to=user)
    dashboard.waiting_count = Metric(
        "Items in payment pending", count,
        changelist_url(Item, state__exact=state, **_longest_waiting_first(Item, "state_changed_at")),
        "warning" if count else "success",
    )
    dashboard.headline.append(dashboard.waiting_count)


def _add_disbursements(dashboard: OpsDashboard, user, now: datetime.datetime) -> None:
    counts = disbursements_count_by_status(statuses=DISBURSEMENT_PROBLEMS, up_to=COUNT_UP_TO, visible_to=user)
    dashboard.disbursement_counts = [
        Metric(DISBURSEMENT_PROBLEM_LABELS[status], counts[status],
               changelist_url(Disbursement, status__exact=status), "danger" if counts[status] else "success")
        for status in DISBURSEMENT_PROBLEMS
    ]
    if dashboard.overdue_batch_ids is None:  # someone who sees disbursements but not batches
        dashboard.overdue_batch_ids = [batch.pk for batch in batches_overdue(now=now)]
    overdue = disbursements_overdue(batch_ids=dashboard.overdue_batch_ids, visible_to=user).count()
    dashboard.disbursement_counts.append(Metric(
        "Overdue disbursements", overdue, changelist_url(Disbursement, overdue="yes"),
        "danger" if overdue else "success"))
    dashboard.headline += dashboard.disbursement_counts
    dashboard.recent_disbursements = [
        ProblemDisbursement(disbursement, record_admin_url(disbursement))
        for disbursement in disbursements_latest(statuses=DISBURSEMENT_PROBLEMS, limit=RECENT_DISBURSEMENTS_SHOWN,
                                                 visible_to=user)
    ]


def _add_failing_endpoints(dashboard: OpsDashboard, user) -> None:
    since = timezone.make_aware(datetime.datetime.combine(dashboard.since, datetime.time.min))
    since_filter = {"created_at__date__gte": dashboard.since.isoformat()}
    endpoints = callback_endpoints_failing(since=since, visible_to=user)
    dashboard.failing_endpoints = [
        FailingEndpoint(
            endpoint.platform_name,
            [Metric(Callback.Status(status).label, endpoint.counts[status],
                    changelist_url(Callback, platform__id__exact=endpoint.platform_id, status__exact=status, **since_filter),
                    "danger" if endpoint.counts[status] else "neutral")
             for status in CALLBACK_FAILURE_STATUSES],
            endpoint.total,
        )
        for endpoint in endpoints[:FAILING_ENDPOINTS_SHOWN]
    ]
    failing = sum(endpoint.counts[Callback.Status.FAILING] for endpoint in endpoints)
    dashboard.headline.append(Metric(
        f"Failing callbacks since {dashboard.since:%a %d %b}", failing,
        changelist_url(Callback, status__exact=Callback.Status.FAILING, **since_filter),
        "danger" if failing else "success",
    ))
