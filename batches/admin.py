from django.contrib import admin
from django.template.loader import render_to_string

from batches.lateness import batches_overdue
from batches.models import Batch, BatchEntry
from batches.pipeline import batch_pipeline
from opsconsole.choice_filters import fixed_choices_filter
from opsconsole.readonly_admin import ReadOnlyModelAdmin, money
from opsconsole.reference_codes import bank_returns
from opsconsole.related_tables import Money, RelatedTable

ReturnCodeFilter = fixed_choices_filter(
    "return_code", "return code",
    lambda: [(code, f"{code} {bank_return.label} ({network.upper()})")
             for network in ("ach", "becs") for code, bank_return in bank_returns(network).items()])


class Entries(RelatedTable):
    model = BatchEntry
    columns = ("trace_number", "direction", "customer", Money("amount"), "status", "return_code", "validation_error")
    link_column = "trace_number"
    select_related = ("customer",)


class OverdueFilter(admin.SimpleListFilter):
    """Batches late by the rule their explanation follows (batches/lateness.py); a subclass lists
    what late batches hold up instead (`late_keys`)."""

    title = "lateness"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue")]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return queryset.filter(pk__in=self.late_keys([batch.pk for batch in batches_overdue()]))

    def late_keys(self, late_batch_ids: list[int]):
        """The keys of the list's rows that are late, given the late batches'."""
        return late_batch_ids


@admin.register(Batch)
class BatchAdmin(ReadOnlyModelAdmin):
    list_seek_key = ("-processing_date", "-id")  # batch_processing_date_idx, then the id
    list_display = ("reference", "network", "direction", "status", "processing_date", "cutoff_at", "submitted_at",
                    "entry_count", "total_display")
    list_filter = ("status", "network", "direction", OverdueFilter)
    search_fields = ("reference__exact",)
    fields = (
        "reference", "network", "direction", "currency", "status", "processing_date", "cutoff_at",
        "submitted_at", "acknowledged_at", "settled_at", "failure_reason", "entry_count",
        "total_display", "created_at",
    )
    related_tables = (Entries,)
    total_display = money("total_amount", description="total")

    def details_before(self, request, obj) -> str:
        """The batch's way through the bank, above everything else on the page."""
        return render_to_string("batches/batch_pipeline.html", {
            "batch_pipeline": batch_pipeline(batch=obj), "original": obj,
            "may_list_entries": request.user.has_perm("batches.view_batchentry"),
        })


@admin.register(BatchEntry)
class BatchEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("trace_number", "batch", "direction", "customer", "amount_display", "status", "return_code")
    list_filter = ("status", "direction", ReturnCodeFilter)
    list_select_related = ("batch", "customer")
    search_fields = ("trace_number__exact", "batch__reference__exact")
    detail_select_related = ("batch", "customer", "bank_account", "charge", "disbursement")
    amount_display = money("amount", description="amount")
