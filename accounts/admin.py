from django.contrib import admin
from unfold.contrib.filters.admin import RangeDateFilter

from accounts.models import BankAccount, CardAccount, Customer, PayoutHold, Platform
from opsconsole.readonly_admin import ReadOnlyInline, ReadOnlyModelAdmin, money
from payments.models import Disbursement, Item


class BankAccountInline(ReadOnlyInline):
    model = BankAccount
    fields = ("bank_name", "holder_name", "masked_account_number", "status", "verified_at")


class CardAccountInline(ReadOnlyInline):
    model = CardAccount
    fields = ("brand", "last_four", "expiry", "holder_name", "is_active")


class PayoutHoldInline(ReadOnlyInline):
    model = PayoutHold
    fields = ("reason", "placed_by", "placed_at", "released_at", "released_by")
    inline_select_related = ("placed_by", "released_by")


class ItemsSoldInline(ReadOnlyInline):
    model = Item
    fk_name = "seller"
    verbose_name_plural = "items sold"
    fields = ("external_id", "name", "state", "amount_display", "state_changed_at")
    amount_display = money("amount", description="amount")


class ItemsBoughtInline(ItemsSoldInline):
    fk_name = "buyer"
    verbose_name_plural = "items bought"


class DisbursementInline(ReadOnlyInline):
    model = Disbursement
    fk_name = "seller"
    fields = ("reference", "status", "amount_display", "created_at", "paid_at")
    amount_display = money("amount", description="amount")


@admin.register(Platform)
class PlatformAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "client_id", "environment", "callback_url", "callbacks_enabled", "created_at")
    list_filter = ("environment", "callbacks_enabled")
    search_fields = ("name", "=client_id")


@admin.register(Customer)
class CustomerAdmin(ReadOnlyModelAdmin):
    list_display = ("email", "full_name", "kind", "kyc_state", "platform", "external_id", "created_at")
    list_filter = ("kind", "kyc_state", "platform__environment", ("created_at", RangeDateFilter))
    list_filter_submit = True
    list_select_related = ("platform",)
    search_fields = ("=email", "external_id__exact")
    detail_select_related = ("platform",)
    fields = (
        "platform", "external_id", "kind", "email", "first_name", "last_name", "country",
        "kyc_state", "created_at",
    )
    inlines = (
        PayoutHoldInline, BankAccountInline, CardAccountInline, ItemsSoldInline, ItemsBoughtInline,
        DisbursementInline,
    )


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyModelAdmin):
    list_display = ("__str__", "holder_name", "customer", "status", "currency", "verified_at")
    list_filter = ("status", "country", "currency")
    list_select_related = ("customer",)
    search_fields = ("customer__email__exact",)
    detail_select_related = ("customer",)
    fields = (
        "customer", "holder_name", "bank_name", "routing_number", "masked_account_number",
        "country", "currency", "status", "verified_at", "created_at",
    )


@admin.register(CardAccount)
class CardAccountAdmin(ReadOnlyModelAdmin):
    list_display = ("__str__", "holder_name", "customer", "is_active", "created_at")
    list_filter = ("brand", "is_active")
    list_select_related = ("customer",)
    search_fields = ("last_four__exact", "fingerprint__exact")
    detail_select_related = ("customer",)
    fields = ("customer", "brand", "last_four", "expiry", "fingerprint", "holder_name", "is_active", "created_at")


@admin.register(PayoutHold)
class PayoutHoldAdmin(ReadOnlyModelAdmin):
    list_display = ("customer", "reason", "placed_by", "placed_at", "released_at")
    list_filter = (("released_at", admin.EmptyFieldListFilter),)
    list_select_related = ("customer", "placed_by")
    search_fields = ("customer__email__exact",)
    detail_select_related = ("customer", "placed_by", "released_by")
