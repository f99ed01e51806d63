from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string

from batches.admin import OverdueFilter
from batches.models import BatchEntry
from opsconsole.choice_filters import HttpStatusClassFilter, fixed_choices_filter
from opsconsole.date_filters import LocalDateRangeFilter
from opsconsole.errors import OpsError
from opsconsole.readonly_admin import ReadOnlyModelAdmin, money
from opsconsole.reference_codes import card_responses
from opsconsole.related_tables import Money, RelatedTable
from payments.models import (
    Callback,
    CallbackDelivery,
    Charge,
    Disbursement,
    Fee,
    Item,
    ItemFee,
    ItemState,
    ItemStateChange,
    Transaction,
)
from payments.ops import resend_failing_callbacks
from payments.selectors import disbursements_overdue, item_timeline, item_timeline_kinds_visible_to

ResponseCodeFilter = fixed_choices_filter(
    "response_code", "response code",
    lambda: [(code, f"{code} {response.label}") for code, response in card_responses().items()])
# A callback reports an item's new state, as `item.<state>`.
CallbackEventFilter = fixed_choices_filter(
    "event_type", "event type", lambda: [(f"item.{state}", f"item.{state}") for state in ItemState.values])


class DeliveryStatusFilter(HttpStatusClassFilter):
    field_name = "response_status"
    title = "response status"


class StateChanges(RelatedTable):
    model = ItemStateChange
    columns = ("changed_at", "from_state", "to_state", "cause")
    ordering = ("-changed_at", "-id")  # itemstatechange_item_idx
    per_page = 20


class ItemFees(RelatedTable):
    model = ItemFee
    columns = ("fee", "payer", Money("amount"), "created_at", "removed_at")
    link_column = "created_at"
    select_related = ("fee",)


class Charges(RelatedTable):
    model = Charge
    columns = ("gateway_reference", "method", "status", "response_code", Money("amount"), "created_at")
    link_column = "gateway_reference"
    ordering = ("-created_at", "-id")  # charge_item_idx


class ItemDisbursements(RelatedTable):
    model = Disbursement
    fk_name = "item"
    columns = ("reference", "status", Money("amount"), "created_at", "paid_at")
    link_column = "reference"
    ordering = ("-created_at", "-id")


class LedgerLines(RelatedTable):
    """An item's, a charge's or a disbursement's lines of the ledger."""

    model = Transaction
    columns = ("reference", "kind", Money("amount"), "created_at")
    link_column = "reference"
    ordering = ("-created_at", "-id")


class BatchEntries(RelatedTable):
    """A charge's or a disbursement's lines in batch files."""

    model = BatchEntry
    columns = ("trace_number", "batch", "direction", "status", "return_code", Money("amount"))
    link_column = "trace_number"
    select_related = ("batch",)


class Deliveries(RelatedTable):
    model = CallbackDelivery
    columns = ("attempt", "attempted_at", "url", "response_status", "response_ms", "error")
    ordering = ("-attempt", "-id")  # cbdelivery_attempt_idx


@admin.register(Item)
class ItemAdmin(ReadOnlyModelAdmin):
    # Longest waiting first (the dashboard's link) or a range of days: item_state_changed_at_idx,
    # or item_state_changed_idx within one state.
    list_seek_fields = ("state_changed_at",)
    list_display = ("external_id", "name", "state", "amount_display", "payment_method", "buyer", "seller",
                    "state_changed_at")
    list_filter = ("state", "payment_method", "currency", ("state_changed_at", LocalDateRangeFilter))
    list_filter_submit = True
    list_select_related = ("buyer", "seller")
    search_fields = ("external_id__exact", "=buyer__email", "=seller__email")
    # Part of an external id, when nothing matches whole: item_external_id_upper_trgm_idx
    # (payments migration 0004).
    search_partial_fields = ("external_id",)
    search_help_text = "An external ID, whole or at least 3 characters of it, or the buyer's or seller's email."
    detail_select_related = ("platform", "buyer", "seller")
    fields = (
        "platform", "external_id", "name", "buyer", "seller", "amount_display", "buyer_fee_display",
        "seller_fee_display", "payment_method", "state", "state_changed_at", "created_at",
    )
    related_tables = (StateChanges, ItemFees, Charges, ItemDisbursements, LedgerLines)
    amount_display = money("amount", description="amount")
    buyer_fee_display = money("buyer_fee_amount", description="buyer fees")
    seller_fee_display = money("seller_fee_amount", description="seller fees")

    def details_after(self, request, obj) -> str:
        """The item's whole life, below its details and related records."""
        kinds = item_timeline_kinds_visible_to(user=request.user)
        return render_to_string("payments/item_timeline.html", {"item_timeline": item_timeline(item=obj, kinds=kinds)})


@admin.register(ItemStateChange)
class ItemStateChangeAdmin(ReadOnlyModelAdmin):
    list_display = ("item", "from_state", "to_state", "changed_at", "cause")
    list_filter = ("to_state",)
    list_select_related = ("item",)
    search_fields = ("item__external_id__exact",)
    detail_select_related = ("item",)


@admin.register(Fee)
class FeeAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "platform", "kind", "payer", "fixed_display", "basis_points", "is_active")
    list_filter = ("kind", "payer", "is_active")
    list_select_related = ("platform",)
    search_fields = ("name",)
    detail_select_related = ("platform",)
    fields = ("platform", "name", "kind", "payer", "fixed_display", "basis_points", "cap_display", "is_active")
    fixed_display = money("fixed_amount", description="fixed amount")
    cap_display = money("cap_amount", description="cap")


@admin.register(ItemFee)
class ItemFeeAdmin(ReadOnlyModelAdmin):
    list_display = ("item", "fee", "payer", "amount_display", "created_at", "removed_at")
    list_filter = ("payer", ("removed_at", admin.EmptyFieldListFilter))
    list_select_related = ("item", "fee")
    search_fields = ("item__external_id__exact",)
    detail_select_related = ("item", "fee")
    fields = ("item", "fee", "payer", "amount_display", "created_at", "removed_at")
    amount_display = money("amount", description="amount")


@admin.register(Charge)
class ChargeAdmin(ReadOnlyModelAdmin):
    list_seek_key = ("-created_at", "-id")  # charge_created_idx; by status, charge_status_created_idx
    list_display = ("gateway_reference", "method", "status", "response_code", "decline_source", "amount_display",
                    "payer", "created_at")
    list_filter = ("status", "method", "decline_source", ResponseCodeFilter, ("created_at", LocalDateRangeFilter))
    list_filter_submit = True
    list_select_related = ("payer",)
    search_fields = ("gateway_reference__exact", "item__external_id__exact", "card_account__last_four__exact")
    detail_select_related = ("item", "payer", "card_account", "bank_account")
    fields = (
        "item", "payer", "method", "card_account", "bank_account", "amount_display", "status",
        "gateway_reference", "response_code", "decline_source", "risk_rule", "error_message",
        "created_at", "updated_at",
    )
    related_tables = (BatchEntries, LedgerLines)
    amount_display = money("amount", description="amount")


class OverdueDisbursementFilter(OverdueFilter):
    """Disbursements a late batch carries, by the rule their answers follow (batches/lateness.py)."""

    def late_keys(self, late_batch_ids: list[int]):
        return disbursements_overdue(batch_ids=late_batch_ids).values("pk")


@admin.register(Disbursement)
class DisbursementAdmin(ReadOnlyModelAdmin):
    list_seek_key = ("-created_at", "-id")  # disbursement_created_idx; by status, disbursement_status_idx
    list_display = ("reference", "seller", "status", "amount_display", "created_at", "paid_at")
    list_filter = ("status", "currency", ("created_at", LocalDateRangeFilter), OverdueDisbursementFilter)
    list_filter_submit = True
    list_select_related = ("seller",)
    search_fields = ("reference__exact", "=seller__email")
    detail_select_related = ("seller", "item", "bank_account", "retry_of")
    fields = (
        "reference", "seller", "item", "bank_account", "amount_display", "status",
        "failure_reason", "retry_of", "created_at", "paid_at",
    )
    related_tables = (BatchEntries, LedgerLines)
    amount_display = money("amount", description="amount")


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyModelAdmin):
    list_seek_key = ("-created_at", "-id")  # transaction_created_idx; by kind, transaction_kind_created_idx
    list_display = ("reference", "kind", "amount_display", "customer", "item", "created_at")
    list_filter = ("kind", "currency")
    list_select_related = ("customer", "item")
    search_fields = ("reference__exact",)
    detail_select_related = ("customer", "item", "charge", "disbursement")
    fields = ("reference", "kind", "amount_display", "customer", "item", "charge", "disbursement", "description",
              "created_at")
    amount_display = money("amount", description="amount")


@admin.register(Callback)
class CallbackAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "event_type", "platform", "status", "created_at")
    list_filter = ("status", CallbackEventFilter)
    list_select_related = ("platform",)
    search_fields = ("item__external_id__exact",)
    detail_select_related = ("platform", "item")
    related_tables = (Deliveries,)
    actions = ("resend_selected_failing_callbacks",)

    @admin.action(description="Resend selected failing callbacks", permissions=["resend_failing_callbacks"])
    def resend_selected_failing_callbacks(self, request, queryset):
        """To the task page with the selection filled in: it shows how many will be resent, and
        the task checks everything again when it runs."""
        try:
            return HttpResponseRedirect(resend_failing_callbacks.page_for_selection(callbacks=queryset))
        except OpsError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return None

    def has_resend_failing_callbacks_permission(self, request):
        return request.user.has_perm(resend_failing_callbacks.ResendFailingCallbacks.permission_name())


@admin.register(CallbackDelivery)
class CallbackDeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ("callback", "attempt", "attempted_at", "url", "response_status", "response_ms")
    list_filter = (DeliveryStatusFilter,)
    list_select_related = ("callback",)
    detail_select_related = ("callback",)
