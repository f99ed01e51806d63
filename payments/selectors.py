import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet

from accounts.models import BankAccount, Customer
from batches.models import BatchEntry
from opsconsole.admin_urls import record_admin_url
from opsconsole.models import TaskRun
from opsconsole.money import format_minor_units
from opsconsole.people import person_name
from opsconsole.platform_access import restrict_to_user_platforms
from opsconsole.union_reads import Rows, read_in_one_union
from payments.models import (
    Callback,
    CallbackDelivery,
    Charge,
    Disbursement,
    Item,
    ItemFee,
    ItemState,
    ItemStateChange,
    Payer,
    PaymentMethod,
    Transaction,
)
from payments.pending_clocks import PendingClock, item_pending_clock

# Once the seller's money has gone, or the item is closed, its fees are history.
FEES_FINAL_STATES = {ItemState.COMPLETED, ItemState.REFUNDED, ItemState.CANCELLED}


def item_seller_fee_active(*, item: Item, item_fee_id: int) -> ItemFee | None:
    return item.item_fees.filter(pk=item_fee_id, payer=Payer.SELLER, removed_at=None).select_related("fee").first()


def item_seller_fees_active(*, item: Item) -> list[ItemFee]:
    """The seller fees still charged on the item, oldest first: those a person may remove."""
    return list(item.item_fees.filter(payer=Payer.SELLER, removed_at=None).select_related("fee").order_by("id"))


def item_has_disbursement(*, item: Item) -> bool:
    return item.disbursements.exclude(status="failed").exists()


def disbursement_retry_of(*, disbursement: Disbursement) -> Disbursement | None:
    return disbursement.retries.first()


def seller_verified_bank_account(*, seller: Customer) -> BankAccount | None:
    return seller.bank_accounts.filter(status=BankAccount.Status.VERIFIED).order_by("-verified_at").first()


# The item's timeline ----------------------------------------------------------------------------


class TimelineKind:
    """What a timeline step is about; each kind is shown to people who may view its records."""

    TASK_RUN = "task_run"
    CHARGE = "charge"
    BATCH_ENTRY = "batch_entry"
    LEDGER = "ledger"
    DISBURSEMENT = "disbursement"
    STATE_CHANGE = "state_change"
    CALLBACK = "callback"
    CALLBACK_DELIVERY = "callback_delivery"


# At the same instant, causes come before their effects: a task run or a charge moves the item,
# a charge writes the ledger, a state change is what a callback reports.
TIMELINE_KIND_ORDER = [
    TimelineKind.TASK_RUN, TimelineKind.CHARGE, TimelineKind.BATCH_ENTRY, TimelineKind.LEDGER,
    TimelineKind.DISBURSEMENT, TimelineKind.STATE_CHANGE, TimelineKind.CALLBACK, TimelineKind.CALLBACK_DELIVERY,
]
# The permission that opens each kind's records in the admin (opsconsole/roles.py).
TIMELINE_KIND_PERMISSIONS = {
    TimelineKind.TASK_RUN: "opsconsole.view_taskrun",
    TimelineKind.CHARGE: "payments.view_charge",
    TimelineKind.BATCH_ENTRY: "batches.view_batchentry",
    TimelineKind.LEDGER: "payments.view_transaction",
    TimelineKind.DISBURSEMENT: "payments.view_disbursement",
    TimelineKind.STATE_CHANGE: "payments.view_itemstatechange",
    TimelineKind.CALLBACK: "payments.view_callback",
    TimelineKind.CALLBACK_DELIVERY: "payments.view_callbackdelivery",
}
TIMELINE_KIND_ICONS = {
    TimelineKind.TASK_RUN: "bolt",
    TimelineKind.CHARGE: "credit_card",
    TimelineKind.BATCH_ENTRY: "receipt_long",
    TimelineKind.LEDGER: "menu_book",
    TimelineKind.DISBURSEMENT: "payments",
    TimelineKind.STATE_CHANGE: "swap_horiz",
    TimelineKind.CALLBACK: "webhook",
    TimelineKind.CALLBACK_DELIVERY: "send",
}


class Tone:
    """How a step went, for its colour: the same words as unfold's labels."""

    SUCCESS = "success"
    DANGER = "danger"
    WARNING = "warning"
    INFO = "info"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class TimelineEvent:
    """One step of an item's life: when, what, and who or what caused it."""

    at: datetime.datetime
    kind: str
    title: str
    detail: str
    cause: str
    url: str | None = None
    tone: str = Tone.NEUTRAL

    @property
    def icon(self) -> str:
        return TIMELINE_KIND_ICONS[self.kind]

    @property
    def kind_label(self) -> str:
        return self.kind.replace("_", " ").capitalize()


CHARGE_TONES = {
    Charge.Status.SUCCEEDED: Tone.SUCCESS,
    Charge.Status.DECLINED: Tone.DANGER,
    Charge.Status.FAILED: Tone.DANGER,
    Charge.Status.REQUIRES_ACTION: Tone.WARNING,
    Charge.Status.PENDING: Tone.INFO,
    Charge.Status.REFUNDED: Tone.WARNING,
}
DISBURSEMENT_TONES = {
    Disbursement.Status.PAID: Tone.SUCCESS,
    Disbursement.Status.FAILED: Tone.DANGER,
    Disbursement.Status.RETURNED: Tone.DANGER,
    Disbursement.Status.BATCHED: Tone.INFO,
    Disbursement.Status.PENDING: Tone.INFO,
}
CALLBACK_TONES = {
    Callback.Status.DELIVERED: Tone.SUCCESS,
    Callback.Status.FAILING: Tone.WARNING,
    Callback.Status.ABANDONED: Tone.DANGER,
    Callback.Status.PENDING: Tone.INFO,
}
BATCH_ENTRY_TONES = {
    BatchEntry.Status.SETTLED: Tone.SUCCESS,
    BatchEntry.Status.RETURNED: Tone.DANGER,
    BatchEntry.Status.REJECTED: Tone.DANGER,
    BatchEntry.Status.SUBMITTED: Tone.INFO,
    BatchEntry.Status.PENDING: Tone.INFO,
}
TASK_RUN_TONES = {
    TaskRun.Status.SUCCEEDED: Tone.SUCCESS,
    TaskRun.Status.REJECTED: Tone.DANGER,
    TaskRun.Status.DECLINED: Tone.DANGER,
    TaskRun.Status.FAILED: Tone.DANGER,
    TaskRun.Status.AWAITING_APPROVAL: Tone.WARNING,
    TaskRun.Status.QUEUED: Tone.INFO,
    TaskRun.Status.RUNNING: Tone.INFO,
}


def item_timeline_kinds_visible_to(*, user) -> set[str]:
    """The kinds of timeline step whose records `user` may open."""
    return {kind for kind, permission in TIMELINE_KIND_PERMISSIONS.items() if user.has_perm(permission)}


def item_timeline(*, item: Item, kinds: Collection[str] | None = None) -> list[TimelineEvent]:
    """Everything that happened to the item, oldest first: its state changes with their cause,
    its charges and their outcomes, its ledger lines, the batch entries of its charges and
    disbursements (and their returns), its disbursements, its callbacks with every delivery
    attempt, and the task runs on the item or on any of those records.

    `kinds` limits the steps to those kinds (all when None). Two SQL statements, however long
    the item's life (opsconsole/union_reads.py): the records of the item, then the records
    of its charges, disbursements and callbacks.
    """
    wanted = set(TIMELINE_KIND_ORDER if kinds is None else kinds)
    records = read_in_one_union(_item_records(item, wanted))
    charge_ids = [charge.pk for charge in records["charges"]]
    disbursement_ids = [disbursement.pk for disbursement in records["disbursements"]]
    callback_ids = [callback.pk for callback in records["callbacks"]]
    records |= read_in_one_union(_records_of_item_records(item, wanted, charge_ids, disbursement_ids, callback_ids))

    events: list[TimelineEvent] = []
    events += [_state_change_event(change) for change in records.get("state_changes", [])]
    if TimelineKind.CHARGE in wanted:
        events += [_charge_event(charge) for charge in records["charges"]]
    if TimelineKind.DISBURSEMENT in wanted:
        for disbursement in records["disbursements"]:
            events += _disbursement_events(disbursement)
    events += [_ledger_event(line) for line in records.get("ledger", [])]
    for entry in records.get("batch_entries", []):
        events += _batch_entry_events(entry)
    events += _callback_events(records["callbacks"], records.get("deliveries", []), wanted)
    events += [_task_run_event(run) for run in records.get("task_runs", [])]

    rank = {kind: position for position, kind in enumerate(TIMELINE_KIND_ORDER)}
    return sorted(events, key=lambda event: (event.at, rank[event.kind]))


def _item_records(item: Item, wanted: set[str]) -> dict[str, Rows]:
    """What hangs off the item directly. Charges, disbursements and callbacks are read whatever
    is wanted: the records of the second read hang off them."""
    records = {
        "charges": Rows(item.charges.order_by("created_at", "id"), related=("card_account",)),
        "disbursements": Rows(item.disbursements.order_by("created_at", "id"), related=("retry_of",)),
        "callbacks": Rows(item.callbacks.order_by("created_at", "id")
                          if wanted & {TimelineKind.CALLBACK, TimelineKind.CALLBACK_DELIVERY, TimelineKind.TASK_RUN}
                          else Callback.objects.none(), related=("platform",)),
    }
    if TimelineKind.STATE_CHANGE in wanted:
        records["state_changes"] = Rows(item.state_changes.all())
    return records


def _records_of_item_records(item: Item, wanted: set[str], charge_ids: list[int], disbursement_ids: list[int],
                             callback_ids: list[int]) -> dict[str, Rows]:
    """The records of the item's charges, disbursements and callbacks, looked up by their ids
    (an OR of indexed id lists; a join in an OR could not use the indexes)."""
    records = {}
    if TimelineKind.LEDGER in wanted:
        records["ledger"] = Rows(Transaction.objects.filter(
            Q(item=item) | Q(charge_id__in=charge_ids) | Q(disbursement_id__in=disbursement_ids)
        ), related=("charge", "disbursement"))
    if TimelineKind.BATCH_ENTRY in wanted and (charge_ids or disbursement_ids):
        records["batch_entries"] = Rows(BatchEntry.objects.filter(
            Q(charge_id__in=charge_ids) | Q(disbursement_id__in=disbursement_ids)
        ), related=("batch", "charge", "disbursement"))
    if callback_ids and wanted & {TimelineKind.CALLBACK, TimelineKind.CALLBACK_DELIVERY}:
        records["deliveries"] = Rows(CallbackDelivery.objects.filter(callback_id__in=callback_ids))
    if TimelineKind.TASK_RUN in wanted:
        records["task_runs"] = _task_runs_on(item, charge_ids, disbursement_ids, callback_ids)
    return records


def _callback_events(callbacks: list[Callback], deliveries: list[CallbackDelivery], wanted: set[str]):
    deliveries_of = {callback.pk: [] for callback in callbacks}
    for delivery in deliveries:
        deliveries_of[delivery.callback_id].append(delivery)
    for callback in callbacks:
        if TimelineKind.CALLBACK in wanted:
            yield _callback_event(callback, attempts=len(deliveries_of[callback.pk]))
        if TimelineKind.CALLBACK_DELIVERY in wanted:
            yield from (_delivery_event(callback, delivery) for delivery in deliveries_of[callback.pk])


def _task_runs_on(item: Item, charge_ids: list[int], disbursement_ids: list[int], callback_ids: list[int]) -> Rows:
    content_types = ContentType.objects.get_for_models(Item, Charge, Disbursement, Callback)
    targets = Q(target_type=content_types[Item], target_id=str(item.pk))
    for model, ids in ((Charge, charge_ids), (Disbursement, disbursement_ids), (Callback, callback_ids)):
        if ids:
            targets |= Q(target_type=content_types[model], target_id__in=[str(pk) for pk in ids])
    return Rows(TaskRun.objects.filter(targets).order_by("requested_at", "id"),
                related=("requested_by", "approver", "target_type"))


def _state_change_event(change: ItemStateChange) -> TimelineEvent:
    if change.from_state:
        title = f"{ItemState(change.from_state).label} → {ItemState(change.to_state).label}"
    else:
        title = f"Created as {ItemState(change.to_state).label.lower()}"
    return TimelineEvent(at=change.changed_at, kind=TimelineKind.STATE_CHANGE, title=title, detail="",
                         cause=change.cause)


def _charge_event(charge: Charge) -> TimelineEvent:
    method = PaymentMethod(charge.method).label.lower()
    facts = [format_minor_units(charge.amount, charge.currency)]
    if charge.response_code:
        facts.append(f"response code {charge.response_code}")
    if charge.decline_source:
        facts.append(f"declined by {Charge.DeclineSource(charge.decline_source).label.lower()}")
    if charge.risk_rule:
        facts.append(f"rule {charge.risk_rule}")
    if charge.error_message:
        facts.append(charge.error_message)
    paid_with = str(charge.card_account).split(" (")[0] if charge.card_account else f"the buyer's {method}"
    return TimelineEvent(
        at=charge.created_at, kind=TimelineKind.CHARGE,
        title=f"{method.capitalize()} charge {charge.gateway_reference}: {charge.get_status_display().lower()}",
        detail="; ".join(facts), cause=f"Payment by the buyer with {paid_with}", url=record_admin_url(charge),
        tone=CHARGE_TONES.get(charge.status, Tone.NEUTRAL),
    )


def _disbursement_events(disbursement: Disbursement) -> list[TimelineEvent]:
    amount = format_minor_units(disbursement.amount, disbursement.currency)
    cause = f"Retry of {disbursement.retry_of.reference}" if disbursement.retry_of else "Payout of the seller's funds"
    events = [TimelineEvent(
        at=disbursement.created_at, kind=TimelineKind.DISBURSEMENT,
        title=f"Disbursement {disbursement.reference} of {amount}: {disbursement.get_status_display().lower()}",
        detail=disbursement.failure_reason, cause=cause, url=record_admin_url(disbursement),
        tone=DISBURSEMENT_TONES.get(disbursement.status, Tone.NEUTRAL),
    )]
    if disbursement.paid_at:
        events.append(TimelineEvent(
            at=disbursement.paid_at, kind=TimelineKind.DISBURSEMENT,
            title=f"Disbursement {disbursement.reference} paid to the seller", detail=amount,
            cause="The bank settled the payout", url=record_admin_url(disbursement), tone=Tone.SUCCESS,
        ))
    return events


def _ledger_event(line: Transaction) -> TimelineEvent:
    source = line.charge or line.disbursement
    return TimelineEvent(
        at=line.created_at, kind=TimelineKind.LEDGER,
        title=f"Ledger: {line.get_kind_display().lower()} {format_minor_units(line.amount, line.currency)}",
        detail=" · ".join(part for part in (line.reference, line.description) if part),
        cause=str(source) if source else "Ledger entry on the item",
        url=record_admin_url(line),
    )


def _batch_entry_events(entry: BatchEntry) -> list[TimelineEvent]:
    batch = entry.batch
    what = f"Direct debit of charge {entry.charge.gateway_reference}" if entry.charge else (
        f"Payout of disbursement {entry.disbursement.reference}")
    detail = (f"Batch {batch.reference} is {batch.get_status_display().lower()}, processing day "
              f"{batch.processing_date:%a %d %b %Y}; entry {entry.get_status_display().lower()}")
    if entry.validation_error:
        detail += f": {entry.validation_error}"
    events = [TimelineEvent(
        at=entry.created_at, kind=TimelineKind.BATCH_ENTRY, title=f"{what} in batch {batch.reference}",
        detail=detail, cause=f"Trace number {entry.trace_number}", url=record_admin_url(batch),
        tone=BATCH_ENTRY_TONES.get(entry.status, Tone.NEUTRAL),
    )]
    if entry.returned_at:
        events.append(TimelineEvent(
            at=entry.returned_at, kind=TimelineKind.BATCH_ENTRY,
            title=f"Returned by the bank from batch {batch.reference}: return code {entry.return_code or '(none)'}",
            detail=what, cause=f"The bank ({batch.get_network_display()})", url=record_admin_url(batch),
            tone=Tone.DANGER,
        ))
    return events


def _callback_event(callback: Callback, *, attempts: int) -> TimelineEvent:
    return TimelineEvent(
        at=callback.created_at, kind=TimelineKind.CALLBACK,
        title=f"Callback {callback.event_type} to {callback.platform.name}: {callback.get_status_display().lower()}",
        detail=f"{attempts} delivery attempt{'s' if attempts != 1 else ''}",
        cause="The item's change, reported to the platform",
        url=record_admin_url(callback), tone=CALLBACK_TONES.get(callback.status, Tone.NEUTRAL),
    )


def _delivery_event(callback: Callback, delivery: CallbackDelivery) -> TimelineEvent:
    answer = f"HTTP {delivery.response_status}" if delivery.response_status is not None else "no response"
    if delivery.response_ms is not None:
        answer += f" in {delivery.response_ms} ms"
    return TimelineEvent(
        at=delivery.attempted_at, kind=TimelineKind.CALLBACK_DELIVERY,
        title=f"Delivery attempt {delivery.attempt} of {callback.event_type}: {answer}",
        detail=" · ".join(part for part in (delivery.url, delivery.error) if part),
        cause=f"Callback #{callback.pk} to {callback.platform.name}", url=record_admin_url(callback),
        tone=Tone.SUCCESS if delivery.succeeded else Tone.DANGER,
    )


def _task_run_event(run: TaskRun) -> TimelineEvent:
    # A refused run never loaded its target, so it has no description of it: name it by id.
    target = run.target_repr or f"{run.target_type.name} #{run.target_id}"
    cause = f"Requested by {person_name(run.requested_by)} ({run.get_source_display().lower()})"
    if run.approver:
        decision = "approved" if run.status != TaskRun.Status.DECLINED else "declined"
        cause += f", {decision} by {person_name(run.approver)}"
    detail = " · ".join(part for part in (
        run.outcome,
        f"Reason: {run.reason}" if run.reason else "",
        f"Ticket {run.ticket_reference}" if run.ticket_reference else "",
    ) if part)
    return TimelineEvent(
        at=run.requested_at, kind=TimelineKind.TASK_RUN,
        title=f"Task run #{run.pk}: {run.task_title} on {target} — {run.get_status_display().lower()}",
        detail=detail, cause=cause, url=record_admin_url(run), tone=TASK_RUN_TONES.get(run.status, Tone.NEUTRAL),
    )


# What the ops dashboard counts: every query filters on an indexed column and is limited -----------


def _visible(queryset: QuerySet, person) -> QuerySet:
    return queryset if person is None else restrict_to_user_platforms(queryset, person)


def items_waiting_longest(*, state: str = ItemState.PAYMENT_PENDING, platform=None, limit: int = 10,
                          visible_to=None) -> QuerySet:
    """The items that have been in `state` longest, longest first: read in the order of the
    (state, state_changed_at) index, so only `limit` rows are touched. `visible_to`: only the
    platforms that person may see, here and below."""
    items = _visible(Item.objects.filter(state=state), visible_to)
    if platform is not None:
        items = items.filter(platform=platform)
    return items.select_related("platform").order_by("state_changed_at")[:limit]


def disbursements_overdue(*, batch_ids, visible_to=None) -> QuerySet:
    """Disbursements not yet paid that a late batch carries (`batch_ids`: batches/lateness.py's
    `batches_overdue`), as their answers say."""
    carried = Disbursement.objects.filter(batch_entries__batch_id__in=batch_ids).exclude(
        status=Disbursement.Status.PAID)
    return _visible(Disbursement.objects.filter(pk__in=carried.values("pk")), visible_to)


def items_pending_clocks(*, items: list[Item]) -> dict[int, PendingClock | None]:
    """Each item's pending clock (payments/pending_clocks.py), in two queries whatever the number
    of items: their charges, and the batch entries of those charges."""
    if not items:
        return {}
    latest_charge = {}
    for charge in Charge.objects.filter(item__in=items).order_by("item_id", "-created_at", "-id"):
        latest_charge.setdefault(charge.item_id, charge)
    latest_entry = {}
    for entry in (BatchEntry.objects.select_related("batch").filter(charge__item__in=items).order_by("-id")):
        latest_entry.setdefault(entry.charge_id, entry)
    return {item.pk: item_pending_clock(item=item, charge=latest_charge.get(item.pk),
                                        entry=latest_entry.get(getattr(latest_charge.get(item.pk), "pk", None)))
            for item in items}


def items_count_in_state(*, state: str, up_to: int | None = None, visible_to=None) -> int:
    """How many items are in `state`, read from the (state, state_changed_at) index. With
    `up_to`, counting stops past that many (the answer is then `up_to + 1`), so the cost is
    bounded however many items there are."""
    items = _visible(Item.objects.filter(state=state), visible_to).order_by()  # no order: any rows will do
    return (items if up_to is None else items.values("pk")[:up_to + 1]).count()


def disbursements_count_by_status(*, statuses: Collection[str], up_to: int | None = None,
                                  visible_to=None) -> dict[str, int]:
    """How many disbursements are in each of `statuses`, one count per status over the
    (status, created_at) index; with `up_to`, each count stops past that many, as above."""
    counts = {}
    for status in statuses:
        disbursements = _visible(Disbursement.objects.filter(status=status), visible_to).order_by()
        counts[status] = (disbursements if up_to is None else disbursements.values("pk")[:up_to + 1]).count()
    return counts


def disbursements_latest(*, statuses: Collection[str], limit: int = 5, visible_to=None) -> list[Disbursement]:
    """The newest disbursements in any of `statuses`: one short index read per status (an IN with
    ORDER BY could not use the index's order), merged."""
    latest = []
    for status in statuses:
        disbursements = _visible(Disbursement.objects.filter(status=status), visible_to)
        latest += disbursements.select_related("seller").order_by("-created_at")[:limit]
    return sorted(latest, key=lambda disbursement: disbursement.created_at, reverse=True)[:limit]


@dataclass(frozen=True)
class FailingCallbackEndpoint:
    platform_id: int
    platform_name: str
    counts: dict[str, int]  # callback status → how many

    @property
    def total(self) -> int:
        return sum(self.counts.values())


CALLBACK_FAILURE_STATUSES = (Callback.Status.FAILING, Callback.Status.ABANDONED)


def callback_endpoints_failing(*, since: datetime.datetime, limit: int | None = None,
                               visible_to=None) -> list[FailingCallbackEndpoint]:
    """Platforms with callbacks created since `since` that are failing or were abandoned, most
    failures first (all of them unless `limit`). Reads the (status, created_at) index; one
    aggregate query, with a row per platform and status."""
    rows = (
        _visible(Callback.objects.filter(status__in=CALLBACK_FAILURE_STATUSES, created_at__gte=since), visible_to)
        .order_by().values_list("platform_id", "platform__name", "status").annotate(count=Count("id"))
    )
    endpoints: dict[int, FailingCallbackEndpoint] = {}
    for platform_id, platform_name, status, count in rows:
        endpoint = endpoints.setdefault(platform_id, FailingCallbackEndpoint(
            platform_id, platform_name, {status: 0 for status in CALLBACK_FAILURE_STATUSES}))
        endpoint.counts[status] = count
    return sorted(endpoints.values(), key=lambda endpoint: (-endpoint.total, endpoint.platform_name))[:limit]


# A platform's failing callbacks, resent together (payments/ops/resend_failing_callbacks.py) ------

# Why a selected callback is left alone, by its status.
CALLBACK_NOT_RESENT_BECAUSE = {
    Callback.Status.PENDING: "already pending",
    Callback.Status.DELIVERED: "delivered since",
}


def platform_callbacks_failing(*, platform) -> QuerySet:
    """The platform's failing and abandoned callbacks in id order (the partial index
    callback_failing_idx holds just these)."""
    return Callback.objects.filter(platform=platform, status__in=CALLBACK_FAILURE_STATUSES).order_by("id")


def platform_callbacks_failing_up_to(*, platform, limit: int) -> int:
    """How many failing callbacks the platform has, counting at most `limit` + 1 of them: a page
    says "more than `limit`" rather than count a whole backlog."""
    return len(platform_callbacks_failing(platform=platform).values_list("id", flat=True)[:limit + 1])


@dataclass(frozen=True)
class CallbackSelection:
    """Selected callbacks sorted by what resending them would do: every list is of ids, in order."""

    failing: list[int]
    not_resent: dict[str, list[int]]  # status (a key of CALLBACK_NOT_RESENT_BECAUSE) → ids
    of_other_platforms: list[int]
    missing: list[int]


def callbacks_selected(*, platform, callback_ids: Collection[int]) -> CallbackSelection:
    """Where each of `callback_ids` stands for resending `platform`'s callbacks. One query."""
    rows = Callback.objects.filter(pk__in=callback_ids).order_by("id").values_list("id", "platform_id", "status")
    failing, not_resent, of_other_platforms, found = [], {}, [], set()
    for callback_id, platform_id, status in rows:
        found.add(callback_id)
        if platform_id != platform.pk:
            of_other_platforms.append(callback_id)
        elif status in CALLBACK_FAILURE_STATUSES:
            failing.append(callback_id)
        else:
            not_resent.setdefault(status, []).append(callback_id)
    missing = sorted(set(callback_ids) - found)
    return CallbackSelection(failing, not_resent, of_other_platforms, missing)


def callbacks_to_resend_locked(*, platform, callback_ids: Collection[int] | None = None, after_id: int = 0,
                               up_to_id: int | None = None, limit: int) -> list[tuple[int, str]]:
    """(id, status) of the next `limit` callbacks of the platform after `after_id`, in id order,
    their rows locked until the transaction ends: the selected ones (`callback_ids`) whatever their
    status, or else its failing ones up to `up_to_id`. What is read is what gets written."""
    if callback_ids is not None:
        callbacks = Callback.objects.filter(platform=platform, pk__in=callback_ids)
    else:
        callbacks = platform_callbacks_failing(platform=platform)
        if up_to_id is not None:
            callbacks = callbacks.filter(pk__lte=up_to_id)
    callbacks = callbacks.filter(pk__gt=after_id).order_by("id").select_for_update(of=("self",))
    return list(callbacks.values_list("id", "status")[:limit])


def platform_callback_newest_failing_id(*, platform) -> int:
    """The id of the platform's newest failing callback (0 for none): where a resend of all its
    failing callbacks stops, so callbacks that fail after it started are not part of it."""
    return platform_callbacks_failing(platform=platform).order_by("-id").values_list("id", flat=True).first() or 0
