"""The baseline: Django's admin over the same tables, written the way people usually write it.

A few columns including the customer's email (read through the relation, row by row), filters on
state and kind, search on the customer's email and the reference, a date hierarchy, and the
default form with its select boxes. It exists only in the benchmark's settings, at /stock/.
"""

from django.apps import apps
from django.contrib import admin
from django.template.response import TemplateResponse

from accounts.models import Customer, Platform
from audit.models import AuditEvent
from batches.models import Batch
from payments.models import Charge, Disbursement, Item, Transaction

stock_site = admin.AdminSite(name="stock")


class StockModelAdmin(admin.ModelAdmin):
    """Renders with Django's own admin templates (the `stock` template engine)."""

    def _stock(self, response):
        if isinstance(response, TemplateResponse):
            response.using = "stock"
        return response

    def changelist_view(self, request, extra_context=None):
        return self._stock(super().changelist_view(request, extra_context))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._stock(super().changeform_view(request, object_id, form_url, extra_context))


@admin.register(Platform, site=stock_site)
class PlatformAdmin(StockModelAdmin):
    list_display = ("name", "client_id", "environment", "callbacks_enabled", "created_at")
    list_filter = ("environment",)
    search_fields = ("name", "client_id")


@admin.register(Customer, site=stock_site)
class CustomerAdmin(StockModelAdmin):
    list_display = ("email", "first_name", "last_name", "kind", "kyc_state", "platform", "created_at")
    list_filter = ("kind", "kyc_state", "platform")
    search_fields = ("email", "external_id")
    date_hierarchy = "created_at"


@admin.register(Item, site=stock_site)
class ItemAdmin(StockModelAdmin):
    list_display = ("external_id", "name", "state", "amount", "currency", "buyer_email", "created_at")
    list_filter = ("state", "payment_method")
    search_fields = ("external_id", "buyer__email", "seller__email")
    date_hierarchy = "created_at"

    @admin.display(description="buyer email")
    def buyer_email(self, item):
        return item.buyer.email


@admin.register(Transaction, site=stock_site)
class TransactionAdmin(StockModelAdmin):
    list_display = ("reference", "kind", "amount", "currency", "customer_email", "created_at")
    list_filter = ("kind", "currency")
    search_fields = ("reference", "customer__email")
    date_hierarchy = "created_at"

    @admin.display(description="customer email")
    def customer_email(self, transaction):
        return transaction.customer.email


@admin.register(Charge, site=stock_site)
class ChargeAdmin(StockModelAdmin):
    list_display = ("gateway_reference", "status", "method", "amount", "payer_email", "created_at")
    list_filter = ("status", "method")
    search_fields = ("gateway_reference", "card_account__last_four", "payer__email")
    date_hierarchy = "created_at"

    @admin.display(description="payer email")
    def payer_email(self, charge):
        return charge.payer.email


@admin.register(Disbursement, site=stock_site)
class DisbursementAdmin(StockModelAdmin):
    list_display = ("reference", "status", "amount", "currency", "seller_email", "created_at")
    list_filter = ("status",)
    search_fields = ("reference", "seller__email")
    date_hierarchy = "created_at"

    @admin.display(description="seller email")
    def seller_email(self, disbursement):
        return disbursement.seller.email


@admin.register(Batch, site=stock_site)
class BatchAdmin(StockModelAdmin):
    list_display = ("reference", "network", "direction", "status", "processing_date", "entry_count", "total_amount")
    list_filter = ("status", "network", "direction")
    search_fields = ("reference",)
    date_hierarchy = "processing_date"


@admin.register(AuditEvent, site=stock_site)
class AuditEventAdmin(StockModelAdmin):
    list_display = ("occurred_at", "action", "outcome", "actor", "object_repr")
    list_filter = ("action", "outcome")
    search_fields = ("actor_name", "object_repr")
    date_hierarchy = "occurred_at"


if apps.is_installed("apilog"):
    from apilog.models import ApiRequest

    @admin.register(ApiRequest, site=stock_site)
    class ApiRequestAdmin(StockModelAdmin):
        list_display = ("occurred_at", "platform", "method", "path", "status_code", "latency_ms", "request_id")
        list_filter = ("environment", "status_code")
        search_fields = ("request_id", "path")
        date_hierarchy = "occurred_at"
