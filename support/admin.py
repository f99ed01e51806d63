from django.contrib import admin
from django.utils import timezone
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.import_export.forms import ExportForm, ImportForm

from support.models import Article, Bug, RotaSwap, RotaWeek, SavedAnswer, Ticket, TicketLink, TicketMessage
from support.resources import BugResource, TicketResource
from support.services import bug_fix_due_at, ticket_create


class SupportAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_per_page = 50
    show_full_result_count = False


class CsvAdmin(ImportExportModelAdmin, SupportAdmin):
    import_form_class = ImportForm
    export_form_class = ExportForm


class TicketMessageInline(TabularInline):
    model = TicketMessage
    fields = ("visibility", "body", "author", "created_at")
    readonly_fields = ("author", "created_at")
    extra = 0
    per_page = 20

    def has_change_permission(self, request, obj=None):
        return False  # the conversation is a record: add to it, never rewrite it


class TicketLinkInline(TabularInline):
    model = TicketLink
    fields = ("label", "target_type", "target_id")
    extra = 0


@admin.register(Ticket)
class TicketAdmin(CsvAdmin):
    resource_classes = [TicketResource]
    list_display = ("reference", "subject", "kind", "priority", "status", "assignee", "platform",
                    "first_response_sla", "resolution_sla", "created_at")
    list_filter = ("status", "kind", "priority", "first_response_sla", "resolution_sla", "assignee")
    list_select_related = ("assignee", "platform")
    search_fields = ("=reference", "subject", "=requester_email")
    readonly_fields = ("reference", "created_at", "first_responded_at", "resolved_at", "first_response_sla",
                       "resolution_sla", "needs_follow_up")
    autocomplete_fields = ()
    raw_id_fields = ("requester_staff", "assignee", "platform", "bug", "duplicate_of")
    inlines = (TicketLinkInline, TicketMessageInline)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        fields = {field: form.cleaned_data[field] for field in form.cleaned_data if field in form.fields}
        created = ticket_create(**fields)
        obj.pk, obj.reference, obj.created_at = created.pk, created.reference, created.created_at
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        for message in formset.save(commit=False):
            if isinstance(message, TicketMessage) and not message.author_id:
                message.author = request.user
            message.save()
        formset.save_m2m()


@admin.register(Bug)
class BugAdmin(CsvAdmin):
    resource_classes = [BugResource]
    list_display = ("__str__", "severity", "status", "owner", "fix_due_at", "fixed_at")
    list_filter = ("status", "severity", "owner")
    search_fields = ("title",)
    raw_id_fields = ("owner",)
    readonly_fields = ("fix_due_at", "fixed_at", "created_at")
    filter_horizontal = ("affected_platforms",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.fix_due_at = bug_fix_due_at(severity=obj.severity, reported_at=timezone.now())
        super().save_model(request, obj, form, change)


@admin.register(SavedAnswer)
class SavedAnswerAdmin(SupportAdmin):
    list_display = ("title", "kind")
    list_filter = ("kind",)
    search_fields = ("title", "body")


@admin.register(Article)
class ArticleAdmin(SupportAdmin):
    list_display = ("title", "tags", "is_published", "updated_at")
    list_filter = ("is_published",)
    search_fields = ("title", "tags", "body")
    prepopulated_fields = {"slug": ("title",)}


class RotaSwapInline(TabularInline):
    model = RotaSwap
    fields = ("previous_on_duty", "new_on_duty", "reason", "swapped_by", "swapped_at")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RotaWeek)
class RotaWeekAdmin(SupportAdmin):
    list_display = ("week_starting", "on_duty", "lead")
    raw_id_fields = ("on_duty", "lead")
    inlines = (RotaSwapInline,)
