from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.import_export.forms import ExportForm
from unfold.decorators import action, display
from unfold.utils import display_for_label

from audit.exports import RecordedExportMixin
from opsconsole.admin_scripts import AdminScripts
from opsconsole.errors import OpsError
from opsconsole.history_admin import CheckedHistoryAdmin
from opsconsole.people import PersonFilter, person_column, person_name
from opsconsole.platform_access import restrict_to_user_platforms
from opsconsole.readonly_admin import PlatformScopedInlineMixin, PlatformScopedMixin, ReadOnlyModelAdmin
from support.bugs import (
    BUG_FROM_TICKET_PERMISSIONS,
    SLO_LABELS,
    SLO_MET,
    SLO_MISSED,
    SLO_NEAR_MISS,
    SLO_NOT_MEASURED,
    SLO_ON_TRACK,
    bug_draft_from_ticket,
    bug_fix_due_at,
    bug_slo_status,
)
from support.clocks import ticket_clocks_shown, ticket_status_problem
from support.import_forms import ConsoleExportImportForm
from support.knowledge import (
    RECORD_ARTICLE_PERMISSION,
    article_authorship,
    article_html,
    article_tags,
    articles_offered,
    ticket_articles_used,
    ticket_record_articles_replied_with,
)
from support.models import (
    Article,
    Bug,
    RotaSwap,
    RotaWeek,
    SavedAnswer,
    Ticket,
    TicketLink,
    TicketMessage,
    TrackerImport,
)
from support.ops.import_tracker_file import ImportTrackerFile
from support.resources import BugResource, TicketMessageResource, TicketResource
from support.selectors import tickets_visible_to
from support.services.bugs import bug_mark_fixed, ticket_wait_on_bug
from support.services.clocks import ticket_set_status
from support.services.tickets import ticket_add_message, ticket_create
from support.ticket_form import (
    NOT_ON_THE_STAFF,
    TicketFormBase,
    TicketLinkForm,
    TicketLinkFormSet,
    assignee_field,
    staff_members,
)
from support.ticket_lookups import AssigneeLookupView, RecordLookupView
from support.ticket_page import ticket_conversation, ticket_linked_records, ticket_saved_answers, ticket_task_runs
from support.triage import ticket_workers


class SupportAdmin(PlatformScopedMixin, CheckedHistoryAdmin, ModelAdmin, AdminScripts):
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
    """The records the ticket concerns, each chosen by typing what people know of it."""

    model = TicketLink
    form = TicketLinkForm
    formset = TicketLinkFormSet
    fields = ("record", "label")
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        """Each link names a record the person may see: another platform's reads as missing."""
        person = request.user

        class LinkForm(kwargs.get("form", self.form)):
            linking_person = person

        return super().get_formset(request, obj, **{**kwargs, "form": LinkForm})


class TicketForm(TicketFormBase):
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
    form = TicketForm
    resource_classes = [TicketResource]
    tracker_import_into = "tickets"
    actions_list = ("import_from_tracker",)
    list_display = ("reference", "subject", "kind", "priority", "status", "assignee_name", "platform",
                    "first_response_sla", "resolution_sla", "created_at")
    list_filter = ("status", "kind", "priority", "first_response_sla", "resolution_sla", ("assignee", PersonFilter))
    list_select_related = ("assignee", "platform")
    search_fields = ("=reference", "subject", "=requester_email")
    # Articles used are recorded from the workspace's articles section (support.knowledge), never
    # rewritten by saving the form.
    readonly_fields = ("reference", "created_at", "first_responded_at", "resolved_at", "first_response_sla",
                       "resolution_sla", "needs_follow_up", "articles_used")
    # Looked up by what people type, in their admins' own searches (scoped to the person's
    # platforms); the assignee and a link's record in the look-ups below (support/ticket_form.py).
    autocomplete_fields = ("platform", "bug", "duplicate_of")
    assignee_name = person_column("assignee", description="assignee")
    custom_urls = (
        ("assignees/", "support_ticket_assignee_lookup", AssigneeLookupView.as_view()),
        ("records/", "support_ticket_record_lookup", RecordLookupView.as_view()),
    )
    actions_detail = ("file_bug",)
    inlines = (TicketLinkInline, TicketMessageInline)
    # Above the form, outside it (its buttons post forms of their own): the linked records with the
    # tasks to start on them, the task runs quoting the ticket, the conversation and saved answers.
    change_form_outer_before_template = "support/ticket_workspace.html"

    class Media:
        js = ("support/insert_article.js",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """The platform and the ticket a ticket names are among those of the person's platforms:
        one of another platform's is refused like one that does not exist. The assignee is someone
        who works tickets; a requester on the staff, an active member of it."""
        if db_field.name in ("platform", "duplicate_of"):
            kwargs["queryset"] = restrict_to_user_platforms(db_field.related_model._default_manager.all(),
                                                            request.user)
        if db_field.name == "assignee":
            return assignee_field()
        if db_field.name == "requester_staff":
            kwargs.update(queryset=staff_members(), error_messages={"invalid_choice": NOT_ON_THE_STAFF})
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = person_name
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @action(description="File a bug from this ticket", url_path="file-bug", icon="bug_report",
            permissions=["file_bug"])
    def file_bug(self, request, object_id):
        """The bug form, started from the ticket: saving it links the two and sets the ticket
        waiting on the bug (BugAdmin)."""
        ticket = self.get_object(request, object_id)
        if ticket is None:
            raise Http404
        return redirect(f"{reverse('admin:support_bug_add')}?{urlencode({'ticket': ticket.pk})}")

    def has_file_bug_permission(self, request, object_id=None):
        return all(request.user.has_perm(permission) for permission in BUG_FROM_TICKET_PERMISSIONS)

    def get_fields(self, request, obj=None):
        # Not a field people fill in: the page's script adds it to the form as articles are inserted.
        return [field for field in super().get_fields(request, obj) if field != "articles_in_reply"]

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
                may_insert_articles=request.user.has_perm("support.add_ticketmessage")
                and request.user.has_perm("support.view_article"),
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
        columns = {field.name for field in Ticket._meta.concrete_fields}
        fields = {field: value for field, value in form.cleaned_data.items()
                  if field in form.fields and field in columns}
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

    def save_related(self, request, form, formsets, change):
        """The articles inserted into a reply are recorded as used once the reply is sent: not
        for an internal note, nor when the reply was written over and never sent."""
        super().save_related(request, form, formsets, change)
        articles = form.cleaned_data.get("articles_in_reply") or []
        replied = any(isinstance(message, TicketMessage) and message.visibility == TicketMessage.Visibility.REPLY
                      for formset in formsets for message in formset.new_objects)
        if not (articles and replied):
            return
        if not request.user.has_perm(RECORD_ARTICLE_PERMISSION):
            self.message_user(request, "The reply was sent; the articles it used were not recorded: only someone "
                                       "who works tickets can record them.", messages.WARNING)
            return
        recorded = ticket_record_articles_replied_with(ticket=form.instance, articles=articles, by=request.user)
        if recorded:
            titles = ", ".join(f"“{article.title}”" for article in recorded)
            self.message_user(request, f"Recorded as answering {form.instance.reference}: {titles}.")


BUG_SLO_COLOURS = {SLO_ON_TRACK: "info", SLO_NEAR_MISS: "warning", SLO_MISSED: "danger", SLO_MET: "success",
                   SLO_NOT_MEASURED: "default"}


class BugTicketInline(PlatformScopedInlineMixin, TabularInline):
    """The tickets a bug causes: linked from the ticket's side (its `bug`), listed here."""

    model = Ticket
    fk_name = "bug"
    fields = ("reference", "subject", "status", "needs_follow_up", "assignee_name")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    verbose_name_plural = "tickets it causes"
    assignee_name = person_column("assignee", description="assignee")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assignee")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


BUG_FILED_FROM_UNSEEN_TICKET = ("The ticket this bug was filed from is not one you can set waiting on it: "
                                "file the bug from the ticket's page.")


class BugForm(forms.ModelForm):
    """The bug form. Filed from a ticket's page (TicketAdmin.file_bug) it carries the ticket, which
    waits on the bug once it is saved; BugAdmin.get_form narrows the tickets to the person's."""

    ticket = forms.ModelChoiceField(queryset=Ticket.objects.none(), required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if "ticket" in self.errors:  # a hidden field: said above the form, where it is read
            self.add_error(None, BUG_FILED_FROM_UNSEEN_TICKET)
        return cleaned


@admin.register(Bug)
class BugAdmin(CsvAdmin):
    resource_classes = [BugResource]
    tracker_import_into = "bugs"
    actions_list = ("import_from_tracker",)
    list_display = ("__str__", "severity", "status", "slo", "owner_name", "fix_due_at", "fixed_at")
    list_filter = ("status", "severity", ("owner", PersonFilter))
    list_select_related = ("owner",)
    owner_name = person_column("owner", description="owner")
    search_fields = ("title",)
    raw_id_fields = ("owner",)
    readonly_fields = ("fix_target", "fix_due_at", "fixed_at", "created_at")
    filter_horizontal = ("affected_platforms", "articles")
    inlines = (BugTicketInline,)
    form = BugForm
    # Above the add form started from a ticket: which ticket, and what saving does to it.
    change_form_before_template = "support/bug_from_ticket.html"

    def get_search_results(self, request, queryset, search_term):
        """The title's words, or the bug's number as people quote it (BUG-12, or 12)."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = search_term.strip().upper().removeprefix("BUG-")
        if number.isdigit():
            found |= queryset.filter(pk=int(number))
        return found, may_have_duplicates

    def filed_from_ticket(self, request):
        """The ticket the add form was started from (`?ticket=`), if the person may see it and
        set it waiting on the bug."""
        ticket_id = request.GET.get("ticket", "")
        if not (ticket_id.isdigit() and all(request.user.has_perm(name) for name in BUG_FROM_TICKET_PERMISSIONS)):
            return None
        return tickets_visible_to(user=request.user).select_related("platform").filter(pk=ticket_id).first()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        may_link = request.user.has_perm("support.change_ticket")
        tickets = tickets_visible_to(user=request.user) if obj is None and may_link else Ticket.objects.none()

        class BugFormForPerson(form):
            ticket = forms.ModelChoiceField(queryset=tickets, required=False, widget=forms.HiddenInput,
                                            error_messages={"invalid_choice": BUG_FILED_FROM_UNSEEN_TICKET})

        return BugFormForPerson

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        ticket = self.filed_from_ticket(request)
        if ticket is None:
            initial.pop("ticket", None)
            return initial
        return {**bug_draft_from_ticket(ticket=ticket), **initial}

    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, {**(extra_context or {}),
                                                    "filed_from_ticket": self.filed_from_ticket(request)})

    @display(description="fix target", label=BUG_SLO_COLOURS)
    def slo(self, bug):
        if bug.pk is None:
            return "—"
        state = bug_slo_status(bug=bug, now=timezone.now())
        return state, SLO_LABELS[state]

    @display(description="fix target")
    def fix_target(self, bug):
        """`slo`'s badge on the bug's form: unfold draws a `label` display as a badge in lists only,
        and on a form would write the pair it returns."""
        if bug.pk is None:
            return self.get_empty_value_display()
        return display_for_label(self.slo(bug), self.get_empty_value_display(), BUG_SLO_COLOURS)

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
        ticket = None if change else form.cleaned_data.get("ticket")
        if ticket is not None:
            ticket = ticket_wait_on_bug(ticket=ticket, bug=obj, by=request.user)
            self.message_user(request, f"{ticket.reference} now waits on {obj}.")

    def response_add(self, request, obj, post_url_continue=None):
        """Filed from a ticket, back to the ticket, which now shows the bug it waits on."""
        ticket = obj.tickets.filter(pk=request.POST.get("ticket") or None).first()
        if ticket is None or any(key in request.POST for key in ("_continue", "_addanother", "_popup")):
            return super().response_add(request, obj, post_url_continue)
        self.message_user(request, f"{obj} was filed.", messages.SUCCESS)
        return redirect(reverse("admin:support_ticket_change", args=[ticket.pk]))


@admin.register(TicketMessage)
class TicketMessageAdmin(CsvAdmin):
    """Replies and internal notes across tickets: for moving them in and out as CSV. They are
    written on the ticket's page and never rewritten."""

    resource_classes = [TicketMessageResource]
    list_display = ("ticket", "visibility", "author_name", "created_at")
    author_name = person_column("author", description="author")
    list_filter = ("visibility",)
    list_select_related = ("ticket", "author")
    search_fields = ("=ticket__reference",)
    # Read-only for everyone: its people named as every page names them.
    fields = ("ticket", "author_name", "visibility", "body", "created_at", "source_author", "imported_by_name",
              "imported_at", "imported_from")
    readonly_fields = fields
    imported_by_name = person_column("imported_by", description="imported by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SavedAnswer)
class SavedAnswerAdmin(SupportAdmin):
    list_display = ("title", "kind")
    list_filter = ("kind",)
    search_fields = ("title", "body")


@admin.register(Article)
class ArticleAdmin(SupportAdmin):
    list_display = ("title", "category", "shared", "tags", "is_published", "updated_at")
    list_filter = ("category", "visibility", "is_published")
    search_fields = ("title", "tags", "body")
    prepopulated_fields = {"slug": ("title",)}

    def get_urls(self):
        text = path("<int:article_id>/text/", self.admin_site.admin_view(self.article_text),
                    name="support_article_text")
        return [text, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Someone who may read articles but not edit them reads the article, not a form."""
        article = self.get_object(request, object_id)
        if article is None or self.has_change_permission(request, article) or not self.has_view_permission(
                request, article):
            return super().change_view(request, object_id, form_url, extra_context)
        return TemplateResponse(request, "support/article_read.html", {
            **self.admin_site.each_context(request), "title": article.title, "opts": self.opts, "article": article,
            "article_html": article_html(article.body), "article_tags": article_tags(article=article),
            "authorship": article_authorship(article=article),
        })

    def article_text(self, request, article_id):
        """A published article's title and text as JSON, for inserting into a reply (the ticket
        page's static/support/insert_article.js)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        article = get_object_or_404(Article, pk=article_id, is_published=True)
        return JsonResponse({"id": article.pk, "title": article.title, "body": article.body})

    @display(description="visibility", ordering="visibility",
             label={Article.Visibility.SHAREABLE: "success", Article.Visibility.INTERNAL: "warning"})
    def shared(self, article):
        return article.visibility, article.get_visibility_display()


class RotaSwapInline(TabularInline):
    model = RotaSwap
    fields = ("previous_on_duty_name", "new_on_duty_name", "reason", "swapped_by_name", "swapped_at")
    readonly_fields = fields
    extra = 0
    previous_on_duty_name = person_column("previous_on_duty", description="previously on duty")
    new_on_duty_name = person_column("new_on_duty", description="now on duty")
    swapped_by_name = person_column("swapped_by", description="swapped by")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("previous_on_duty", "new_on_duty", "swapped_by")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RotaWeek)
class RotaWeekAdmin(SupportAdmin):
    list_display = ("week_starting", "on_duty_name", "lead_name")
    list_select_related = ("on_duty", "lead")
    raw_id_fields = ("on_duty", "lead")
    on_duty_name = person_column("on_duty", description="on duty")
    lead_name = person_column("lead", description="lead")
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
