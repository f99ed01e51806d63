from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from simple_history.template_utils import HistoricalRecordContextHelper

from accounts.forms import RevealReasonForm
from accounts.masking import mask_email, may_reveal_account_number, may_see_customer_contact
from accounts.models import BankAccount, CardAccount, Customer, PayoutHold, Platform
from accounts.services import bank_account_reveal_number, bank_account_reveal_refused
from opsconsole.date_filters import LocalDateRangeFilter
from opsconsole.errors import OpsError
from opsconsole.people import person_column
from opsconsole.readonly_admin import ReadOnlyModelAdmin
from opsconsole.related_tables import Money, RelatedTable
from opsconsole.tasking.forms import in_console_style
from payments.models import Disbursement, Item


class PayoutHolds(RelatedTable):
    model = PayoutHold
    columns = ("reason", "placed_by", "placed_at", "released_at", "released_by")
    link_column = "placed_at"
    ordering = ("-placed_at", "-id")
    select_related = ("placed_by", "released_by")


class BankAccounts(RelatedTable):
    model = BankAccount
    columns = ("bank_name", "holder_name", "masked_account_number", "status", "verified_at")
    link_column = "masked_account_number"


class CardAccounts(RelatedTable):
    model = CardAccount
    columns = ("brand", "last_four", "expiry", "holder_name", "is_active")
    link_column = "last_four"


class ItemsSold(RelatedTable):
    model = Item
    fk_name = "seller"
    title = "items sold"
    columns = ("external_id", "name", "state", Money("amount"), "state_changed_at")
    link_column = "external_id"


class ItemsBought(ItemsSold):
    fk_name = "buyer"
    title = "items bought"


class Disbursements(RelatedTable):
    model = Disbursement
    fk_name = "seller"
    columns = ("reference", "status", Money("amount"), "created_at", "paid_at")
    link_column = "reference"
    ordering = ("-created_at", "-id")  # disbursement_seller_idx


@admin.register(Platform)
class PlatformAdmin(ReadOnlyModelAdmin):
    list_seek_key = ("name", "id")
    list_display = ("name", "client_id", "environment", "callback_url", "callbacks_enabled", "created_at")
    list_filter = ("environment", "callbacks_enabled")
    search_fields = ("name", "=client_id")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.user.has_perm("apilog.view_apirequest"):
            # The platform's API traffic, changes and callbacks (apilog/views.py).
            context["actions_detail"] = [*context.get("actions_detail", []), {
                "title": "API traffic", "icon": "monitoring", "path": reverse("platform-api", args=[obj.pk]),
                "attrs": {"data-platform-api": ""}}]
        return super().render_change_form(request, context, add, change, form_url, obj)


class MaskedContactHistory(HistoricalRecordContextHelper):
    """A customer's history, with the email masked in every change (for people who may not
    see contact details)."""

    def prepare_delta_change_value(self, change, value):
        if change.field == "email" and value:
            return mask_email(value)
        return super().prepare_delta_change_value(change, value)


def contact_masked_for(request, field_names):
    """`email` becomes `masked_email` for a person who may not see contact details."""
    if may_see_customer_contact(request.user):
        return field_names
    return type(field_names)("masked_email" if name == "email" else name for name in field_names)


@admin.register(Customer)
class CustomerAdmin(ReadOnlyModelAdmin):
    list_seek_key = ("-created_at", "-id")  # customer_created_idx; by KYC state, customer_kyc_created_idx
    list_display = ("email", "full_name", "kind", "kyc_state", "platform", "external_id", "created_at")
    list_filter = ("kind", "kyc_state", "platform__environment", ("created_at", LocalDateRangeFilter))
    list_filter_submit = True
    list_select_related = ("platform",)
    search_fields = ("=email", "external_id__exact")
    detail_select_related = ("platform",)
    fields = (
        "platform", "external_id", "kind", "email", "first_name", "last_name", "country",
        "kyc_state", "created_at",
    )
    related_tables = (PayoutHolds, BankAccounts, CardAccounts, ItemsSold, ItemsBought, Disbursements)

    @admin.display(description="email")
    def masked_email(self, customer):
        return mask_email(customer.email)

    def get_list_display(self, request):
        return contact_masked_for(request, super().get_list_display(request))

    def get_fields(self, request, obj=None):
        return contact_masked_for(request, super().get_fields(request, obj))

    def get_historical_record_context_helper(self, request, historical_record):
        if may_see_customer_contact(request.user):
            return super().get_historical_record_context_helper(request, historical_record)
        return MaskedContactHistory(self.model, historical_record)


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyModelAdmin):
    list_display = ("__str__", "holder_name", "customer", "status", "currency", "verified_at")
    # Not by country: it has no choices, and listing its values would read the whole table.
    list_filter = ("status", "currency")
    list_select_related = ("customer",)
    search_fields = ("=customer__email",)
    detail_select_related = ("customer",)
    fields = (
        "customer", "holder_name", "bank_name", "routing_number", "masked_account_number",
        "country", "currency", "status", "verified_at", "created_at",
    )
    # The reveal form sits below the details, outside the admin's own form.
    change_form_outer_after_template = "accounts/reveal_account_number_form.html"

    def get_urls(self):
        reveal = self.admin_site.admin_view(self.reveal_account_number_view)
        return [path("<path:object_id>/reveal-account-number/", reveal, name="accounts_bankaccount_reveal"),
                *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and may_reveal_account_number(request.user):
            context.update(reveal_form=in_console_style(RevealReasonForm()),
                           reveal_url=reverse("admin:accounts_bankaccount_reveal", args=[obj.pk]))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def reveal_account_number_view(self, request, object_id):
        """GET: the reason form, for people who may reveal. POST: see `reveal_account_number`."""
        bank_account = self.get_object(request, object_id)
        if not self.has_view_permission(request, bank_account):
            if request.method == "POST":  # an attempt by someone who may not see bank accounts
                bank_account_reveal_refused(bank_account_id=object_id, reason=request.POST.get("reason", ""),
                                            by=request.user, request=request)
            raise PermissionDenied
        if bank_account is None:
            raise Http404(f"There is no bank account with id {object_id}.")
        if request.method == "POST":
            return self.reveal_account_number(request, bank_account)
        if not may_reveal_account_number(request.user):
            raise PermissionDenied
        return self.reveal_page(request, bank_account, RevealReasonForm())

    def reveal_account_number(self, request, bank_account):
        """The full number on the response page; or the reason's problem next to it, with
        nothing revealed or recorded; or 403 for a person without the permission (the service
        records the refused attempt)."""
        form = RevealReasonForm(request.POST)
        if not form.is_valid() and may_reveal_account_number(request.user):
            return self.reveal_page(request, bank_account, form)
        try:
            account_number = bank_account_reveal_number(
                bank_account=bank_account, reason=form.cleaned_data.get("reason", ""), by=request.user,
                request=request)
        except OpsError as problem:
            if problem.field is None:
                raise PermissionDenied(problem.message) from problem
            form.add_error(problem.field, problem.message)
            return self.reveal_page(request, bank_account, form)
        return self.reveal_page(request, bank_account, RevealReasonForm(), account_number=account_number)

    def reveal_page(self, request, bank_account, form, *, account_number=None):
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reveal the account number of {bank_account}",
            "opts": self.model._meta,
            "bank_account": bank_account,
            "reveal_form": in_console_style(form),
            "reveal_url": reverse("admin:accounts_bankaccount_reveal", args=[bank_account.pk]),
            "account_number": account_number,
        }
        response = TemplateResponse(request, "accounts/reveal_account_number.html", context)
        # No browser or proxy may keep the number (the admin's views say so too; this page must).
        add_never_cache_headers(response)
        return response


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
    list_display = ("customer", "reason", "placed_by_name", "placed_at", "released_at")
    list_filter = (("released_at", admin.EmptyFieldListFilter),)
    list_select_related = ("customer", "placed_by")
    search_fields = ("=customer__email",)
    detail_select_related = ("customer", "placed_by", "released_by")
    placed_by_name = person_column("placed_by", description="placed by")
