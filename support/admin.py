from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin
from opsconsole.history_admin import CheckedHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.contrib.import_export.forms import ExportForm

from audit.exports import RecordedExportMixin
from opsconsole.errors import OpsError
from opsconsole.platform_access import restrict_to_user_platforms
from opsconsole.people import person_column
from opsconsole.readonly_admin import PlatformScopedInlineMixin, PlatformScopedMixin, ReadOnlyModelAdmin
from support.bugs import (
    SLO_MET, SLO_MISSED, SLO_NEAR_MISS, SLO_NOT_MEASURED, SLO_ON_TRACK, SLO_LABELS, bug_mark_fixed, bug_slo_status,
)
from support.clocks import ticket_clocks_shown, ticket_set_status, ticket_status_problem
from support.triage import ticket_workers
from support.import_forms import ConsoleExportImportForm
from support.knowledge import articles_offered, ticket_articles_used
from support.links import ticket_link_target_problem
from support.models import (
    Article, Bug, RotaSwap, RotaWeek, SavedAnswer, Ticket, TicketLink, TicketMessage, TrackerImport,
)
from support.ops.import_tracker_file import ImportTrackerFile
from support.resources import BugResource, TicketMessageResource, TicketResource
from support.selectors import ticket_conversation, ticket_linked_records, ticket_saved_answers, ticket_task_runs
from support.services import bug_fix_due_at, ticket_add_message, ticket_create


class SupportAdmin(PlatformScopedMixin, CheckedHistoryAdmin, ModelAdmin):
    list_per_page = 50
    show_full_result_count = False


class CsvAdmin(RecordedExportMixin, ImportExportModelAdmin, SupportAdmin):
    """CSV in and out: each export is on the audit trail (audit/exports.py). The console's own
    exports are imported here; another tracker's, on the pages of support/tracker_import_views.py."""

    import_form_class = ConsoleExportImportForm
    export_form_class = ExportForm
    # The records an export of another tracker becomes here ("tickets", "bugs"); "" for none.
    tracker_import_into = ""

    def create_import_form(self, request):
        form = super().create_import_form(request)
        form.tracker_import_into = self.tracker_import_into
        return form

    @action(description="Import from Zendesk or Jira", url_path="import-from-tracker", icon="upload_file",
            permissions=["import_from_tracker"])
    def import_from_tracker(self, request):
        return redirect("support-tracker-import", into=self.tracker_import_into)

    def has_import_from_tracker_permission(self, request):
        return bool(self.tracker_import_into) and self.has_add_permission(request) and request.user.has_perm(
            ImportTrackerFile.permission_name())

    def has_import_permission(self, request):
        # django-import-export lets any staff member import unless told otherwise.
        return self.has_add_permission(request) and super().has_import_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        """The importing person, whose platforms bound what a file reads and writes, and the
        request, from which the import is recorded (audit/imports.py)."""
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user, "request": request}


class TicketMessageInline(TabularInline):
    """Only for writing a new message: the conversation so far is shown above the form, replies
    and internal notes apart (support/ticket_workspace.html)."""

    model = TicketMessage
    fields = ("visibility", "body")
    extra = 0
    verbose_name = "new reply or internal note"
    verbose_name_plural = "Write a reply or an internal note"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False  # the conversation is a record: add to it, never rewrite it


class TicketLinkInline(TabularInline):
    model = TicketLink
    fields = ("label", "target_type", "target_id")
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        """Each link names a record the person may see: another platform's reads as missing."""
        person = request.user

        class LinkForm(kwargs.get("form", self.form)):
            def clean(self):
                cleaned = super().clean()
                target_type, target_id = cleaned.get("target_type"), cleaned.get("target_id")
                if target_type and target_id and (problem := ticket_link_target_problem(
                        target_type=target_type, target_id=target_id, user=person)):
                    self.add_error("target_id", problem)
                return cleaned

        return super().get_formset(request, obj, **{**kwargs, "form": LinkForm})


class TicketForm(forms.ModelForm):
    """A status the ticket cannot move to is refused with the rest of the form, before anything
    is saved: the other edits are not kept beside an error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a ticket imported from an export without emails (Jira's) may go on without one.
        if "requester_email" in self.fields:
            self.fields["requester_email"].required = not self.instance.pk or bool(self.instance.requester_email)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and "status" in self.changed_data and cleaned.get("status"):
            bug = cleaned["bug"] if "bug" in self.fields else self.instance.bug
            if problem := ticket_status_problem(status=cleaned["status"], bug_id=bug.pk if bug else None):
                self.add_error("status", problem)
        return cleaned


@admin.register(Ticket)
class TicketAdmin(CsvAdmin):
    platform_field = "platform"  # a ticket about no platform is everyone's
    form = TicketForm
    resource_classes = [TicketResource]
    tracker_import_into = "tickets"
    actions_list = ("import_from_tracker",)
    list_display = ("reference", "subject", "kind", "priority", "status", "assignee", "platform",
                    "first_response_sla", "resolution_sla", "created_at")
    list_filter = ("status", "kind", "priority", "first_response_sla", "resolution_sla", "assignee")
    list_select_related = ("assignee", "platform")
    search_fields = ("=reference", "subject", "=requester_email")
    # Articles used are recorded from the workspace's articles section (support.knowledge), never
    # rewritten by saving the form.
    readonly_fields = ("reference", "created_at", "first_responded_at", "resolved_at", "first_response_sla",
                       "resolution_sla", "needs_follow_up", "articles_used")
    autocomplete_fields = ()
    raw_id_fields = ("requester_staff", "assignee", "platform", "bug", "duplicate_of")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """The platform and the ticket a ticket names are among those of the person's platforms:
        an id of another platform's is refused like an id that does not exist."""
        if db_field.name in ("platform", "duplicate_of"):
            kwargs["queryset"] = restrict_to_user_platforms(db_field.related_model._default_manager.all(),
                                                            request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
    inlines = (TicketLinkInline, TicketMessageInline)
    # Above the form, outside it (its buttons post forms of their own): the linked records with the
    # tasks to start on them, the task runs quoting the ticket, the conversation and saved answers.
    change_form_outer_before_template = "support/ticket_workspace.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                ticket_records=ticket_linked_records(ticket=obj, user=request.user),
                ticket_clocks=ticket_clocks_shown(ticket=obj),
                ticket_runs=ticket_task_runs(ticket=obj),
                ticket_conversation=ticket_conversation(ticket=obj),
                ticket_saved_answers=ticket_saved_answers(ticket=obj),
                ticket_articles=ticket_articles_used(ticket=obj),
                may_record_articles=request.user.has_perm("support.change_ticket"),
                articles_offered=articles_offered(),
                may_add_messages=request.user.has_perm("support.add_ticketmessage"),
                may_link_records=request.user.has_perm("support.add_ticketlink"),
                may_resolve=request.user.has_perm("support.change_ticket")
                and obj.status not in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            return self.save_with_status_change(request, obj, form)
        if change:
            return super().save_model(request, obj, form, change)
        fields = {field: form.cleaned_data[field] for field in form.cleaned_data if field in form.fields}
        created = ticket_create(**fields)
        obj.pk, obj.reference, obj.created_at = created.pk, created.reference, created.created_at
        obj._state.adding = False

    def save_with_status_change(self, request, ticket, form):
        """The status moves through its service, which keeps the SLA clocks and pauses right."""
        new_status, ticket.status = ticket.status, form.initial["status"]
        super().save_model(request, ticket, form, True)
        try:
            ticket_set_status(ticket=ticket, status=new_status, by=request.user)
        except OpsError as refusal:
            self.message_user(request, f"The status was not changed: {refusal.message}", messages.ERROR)

    def save_formset(self, request, form, formset, change):
        """A reply or note goes through `ticket_add_message`, which stops the first-response
        clock at a ticket's first reply; other inlines save as they are."""
        for record in formset.save(commit=False):
            if isinstance(record, TicketMessage):
                ticket_add_message(ticket=form.instance, author=request.user, visibility=record.visibility,
                                   body=record.body)
            else:
                record.save()
        formset.save_m2m()


BUG_SLO_COLOURS = {SLO_ON_TRACK: "info", SLO_NEAR_MISS: "warning", SLO_MISSED: "danger", SLO_MET: "success",
                   SLO_NOT_MEASURED: "default"}


class BugTicketInline(PlatformScopedInlineMixin, TabularInline):
    """The tickets a bug causes: linked from the ticket's side (its `bug`), listed here."""

    model = Ticket
    fk_name = "bug"
    fields = ("reference", "subject", "status", "needs_follow_up", "assignee")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    verbose_name_plural = "tickets it causes"

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Bug)
class BugAdmin(CsvAdmin):
    # The support team's own queue: a bug may affect many platforms and holds no platform's data.
    platform_field = None
    resource_classes = [BugResource]
    tracker_import_into = "bugs"
    actions_list = ("import_from_tracker",)
    list_display = ("__str__", "severity", "status", "slo", "owner", "fix_due_at", "fixed_at")
    list_filter = ("status", "severity", "owner")
    search_fields = ("title",)
    raw_id_fields = ("owner",)
    readonly_fields = ("slo", "fix_due_at", "fixed_at", "created_at")
    filter_horizontal = ("affected_platforms", "articles")
    inlines = (BugTicketInline,)

    @display(description="fix target", label=BUG_SLO_COLOURS)
    def slo(self, bug):
        if bug.pk is None:
            return "—"
        state = bug_slo_status(bug=bug, now=timezone.now())
        return state, SLO_LABELS[state]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.fix_due_at = bug_fix_due_at(severity=obj.severity, reported_at=timezone.now())
        fixing = change and "status" in form.changed_data and obj.status == Bug.Status.FIXED
        if fixing:  # through the service, which flags the bug's tickets for follow-up
            obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        if fixing:
            flagged = bug_mark_fixed(bug=obj, by=request.user)
            self.message_user(request, f"{flagged} ticket(s) flagged for a follow-up to their requesters.")


@admin.register(TicketMessage)
class TicketMessageAdmin(CsvAdmin):
    """Replies and internal notes across tickets: for moving them in and out as CSV. They are
    written on the ticket's page and never rewritten."""

    platform_field = "ticket__platform"
    resource_classes = [TicketMessageResource]
    list_display = ("ticket", "visibility", "author", "created_at")
    list_filter = ("visibility",)
    list_select_related = ("ticket", "author")
    search_fields = ("=ticket__reference",)
    readonly_fields = ("ticket", "author", "visibility", "body", "created_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SavedAnswer)
class SavedAnswerAdmin(SupportAdmin):
    platform_field = None
    list_display = ("title", "kind")
    list_filter = ("kind",)
    search_fields = ("title", "body")


@admin.register(Article)
class ArticleAdmin(SupportAdmin):
    platform_field = None
    list_display = ("title", "category", "shared", "tags", "is_published", "updated_at")
    list_filter = ("category", "visibility", "is_published")
    search_fields = ("title", "tags", "body")
    prepopulated_fields = {"slug": ("title",)}

    @display(description="visibility", ordering="visibility",
             label={Article.Visibility.SHAREABLE: "success", Article.Visibility.INTERNAL: "warning"})
    def shared(self, article):
        return article.visibility, article.get_visibility_display()


class RotaSwapInline(TabularInline):
    model = RotaSwap
    fields = ("previous_on_duty", "new_on_duty", "reason", "swapped_by", "swapped_at")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RotaWeek)
class RotaWeekAdmin(SupportAdmin):
    platform_field = None
    list_display = ("week_starting", "on_duty", "lead")
    raw_id_fields = ("on_duty", "lead")
    inlines = (RotaSwapInline,)
    change_form_after_template = "support/rota_swap.html"

    def get_readonly_fields(self, request, obj=None):
        # Once the week exists, duty changes hands only through a recorded swap.
        return ("on_duty",) if obj is not None else ()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.user.has_perm("support.change_rotaweek"):
            context["swap_candidates"] = ticket_workers().exclude(pk=obj.on_duty_id)
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(TrackerImport)
class TrackerImportAdmin(ReadOnlyModelAdmin):
    """Who imported which export, into what and with what outcome. The file's text and rows are
    not shown here: they open, on the import's own pages, for the person who uploaded it."""

    platform_field = None  # a file may hold several platforms' tickets: only its metadata is listed
    list_display = ("file_name", "into", "source", "row_count", "status", "uploader", "created_at")
    list_filter = ("into", "source", "status")
    list_select_related = ("created_by",)
    fields = ("file_name", "into", "source", "encoding", "row_count", "status", "uploader", "created_at", "rows_page")
    readonly_fields = fields
    search_fields = ("file_name",)
    uploader = person_column("created_by", description="uploaded by")

    @admin.display(description="rows")
    def rows_page(self, tracker_import):
        return format_html('<a href="{}">Its rows, as checked</a> (they open for the person who uploaded it)',
                           reverse("support-tracker-import-rows", args=[tracker_import.pk]))
