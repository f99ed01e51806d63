"""The audit trail screens: read-only for everyone, superusers included, and shown only to people
with the view permission (the lead and the auditor).

Each event shows the six things PCI DSS v4.0 10.2.2 asks of an audit record — who, what, when,
where from, success or failure, and the object affected — with links to the object, its
field-by-field history and the task run. The list is built for a table of millions of rows: no
counts, pages read by the primary key (opsconsole/keyset_pagination.py), filters that never list a
table's rows, and no sorting but the indexed order.
"""

import json

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, JSON
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    ChoicesDropdownFilter,
    DropdownFilter,
    RangeDateTimeFilter,
    TextFilter,
)
from unfold.contrib.import_export.forms import ExportForm
from unfold.decorators import display

from audit.exports import RecordedExportMixin
from audit.models import AuditArchive, AuditEvent, AuditVerification
from audit.resources import AuditEventResource
from audit.task_titles import task_titles
from opsconsole.admin_scripts import AdminScripts
from opsconsole.admin_urls import admin_change_url, admin_history_url
from opsconsole.detail_page import DetailPageMixin
from opsconsole.keyset_pagination import KeysetListMixin
from opsconsole.read_only_permissions import ReadOnlyPermissionsMixin

OUTCOME_COLOURS = {AuditEvent.Outcome.SUCCESS: "success", AuditEvent.Outcome.FAILURE: "danger"}


class PersonFilter(TextFilter):
    """By username: failed sign-ins name people who may have no account, so the name is matched,
    not the user."""

    title = "person (username)"
    parameter_name = "person"

    def queryset(self, request, queryset):
        return queryset.filter(actor_name=self.value().strip()) if self.value() else queryset


class ObjectIdFilter(TextFilter):
    title = "object ID"
    parameter_name = "object_id"

    def queryset(self, request, queryset):
        return queryset.filter(object_id=self.value().strip()) if self.value() else queryset


class TaskFilter(DropdownFilter):
    title = "task"
    parameter_name = "task"

    def lookups(self, request, model_admin):
        return list(task_titles().items())

    def queryset(self, request, queryset):
        return queryset.filter(task_slug=self.value()) if self.value() else queryset


class ObjectTypeFilter(TextFilter):
    """By the kind of record an event names, typed as the console names it ("customer", "bank
    accounts"), in any case: a box to type in rather than a list of every kind the console has,
    most of which no event names. A number is a kind's content type id, as older links carry it."""

    title = "object type (e.g. customer)"
    parameter_name = "object_type"

    def queryset(self, request, queryset):
        typed = (self.value() or "").strip()
        if not typed:
            return queryset
        kinds = content_type_ids_named(typed)
        if not kinds:
            messages.error(request, NO_SUCH_KIND.format(typed=typed))
            return queryset
        return queryset.filter(object_type_id__in=kinds)


NO_SUCH_KIND = "No kind of record is called “{typed}”: the list is not limited by it."


def content_type_ids_named(name: str) -> list[int]:
    """The content types of the models called `name` (their name or plural name, in any case, or
    the model's own name), or the content type whose id `name` is; from ContentType's cache."""
    if name.isdigit():
        return [int(name)]
    wanted = name.casefold()
    named = [model for model in apps.get_models()
             if wanted in {str(model._meta.verbose_name).casefold(), str(model._meta.verbose_name_plural).casefold(),
                           model._meta.model_name}]
    return [kind.pk for kind in ContentType.objects.get_for_models(*named).values()] if named else []


class OccurredBetweenFilter(RangeDateTimeFilter):
    """Unfold's range of dates and times, read the way its date picker writes them: in the
    console's locale (05/03/2026 is the 5th of March in en-gb; unfold would read the US order)
    and time zone. A date it cannot read is said so rather than silently ignored."""

    def queryset(self, request, queryset):
        for end, lookup, whole_day in (("from", "gte", "00:00"), ("to", "lte", "23:59:59")):
            day, time = (self.used_parameters.get(f"{self.parameter_name}_{end}_{part}") for part in (0, 1))
            if not day:
                continue
            try:
                moment = forms.SplitDateTimeField().clean([day, time or whole_day])
            except ValidationError as problem:
                messages.error(request, f"{self.title.capitalize()} {end} “{day} {time or ''}”: "
                                        f"{' '.join(problem.messages)} The list is not limited by it.")
                continue
            queryset = queryset.filter(**{f"{self.parameter_name}__{lookup}": moment})
        return queryset


def _content_type(event) -> ContentType | None:
    # From ContentType's own cache: no join and no query per row.
    return ContentType.objects.get_for_id(event.object_type_id) if event.object_type_id else None


@admin.register(AuditEvent)
class AuditEventAdmin(RecordedExportMixin, ExportMixin, ReadOnlyPermissionsMixin, DetailPageMixin, KeysetListMixin,
                      ModelAdmin, AdminScripts):
    list_display = ("when", "person", "action", "outcome_badge", "source", "ip", "object_link",
                    "task_run_link", "summary")
    list_display_links = ("when",)
    list_select_related = ("actor",)
    list_filter = (
        PersonFilter, ("action", ChoicesDropdownFilter), TaskFilter, ObjectTypeFilter, ObjectIdFilter,
        ("outcome", ChoicesDropdownFilter), ("high_risk", BooleanRadioFilter), ("source", ChoicesDropdownFilter),
        ("occurred_at", OccurredBetweenFilter),
    )
    list_filter_submit = True
    search_fields = ("=actor_name", "=object_id", "summary")
    search_help_text = "An exact username or object ID, or words from the summary."
    actions = None
    fieldsets = (
        ("Who", {"fields": ("person",)}),
        ("What", {"fields": ("action", "summary", "task_run_link", "high_risk", "details_display")}),
        ("When", {"fields": ("occurred_at",)}),
        ("Where from", {"fields": ("source", "ip", "user_agent")}),
        ("Success or failure", {"fields": ("outcome_badge",)}),
        ("Object affected", {"fields": ("object_link", "object_type_name", "object_id", "history_link")}),
        ("Tamper evidence", {"fields": ("event_number", "previous_hash", "record_hash")}),
    )
    readonly_fields = ("person", "ip", "outcome_badge", "object_link", "object_type_name", "history_link",
                       "task_run_link", "details_display", "event_number")
    resource_classes = [AuditEventResource]
    formats = [CSV, JSON]
    export_form_class = ExportForm

    @admin.display(description="when", ordering="id")
    def when(self, event):
        return event.occurred_at

    @admin.display(description="person")
    def person(self, event):
        return event.actor_display_name

    @admin.display(description="IP address")
    def ip(self, event):
        return event.ip_address or "-"

    @display(description="outcome", label=OUTCOME_COLOURS)
    def outcome_badge(self, event):
        return event.outcome, event.get_outcome_display()

    @admin.display(description="object")
    def object_link(self, event):
        content_type = _content_type(event)
        shown = event.object_repr or event.object_id or "-"
        url = content_type and event.object_id and admin_change_url(
            app_label=content_type.app_label, model_name=content_type.model, pk=event.object_id)
        return format_html('<a href="{}" class="text-primary-600">{}</a>', url, shown) if url else shown

    @admin.display(description="object type")
    def object_type_name(self, event):
        content_type = _content_type(event)
        return str(content_type.model_class()._meta.verbose_name).capitalize() if content_type else "-"

    @admin.display(description="history")
    def history_link(self, event):
        content_type = _content_type(event)
        url = content_type and event.object_id and admin_history_url(
            app_label=content_type.app_label, model_name=content_type.model, pk=event.object_id)
        if not url:
            return "-"
        return format_html('<a href="{}" class="text-primary-600">Every change to {}, field by field</a>', url,
                           event.object_repr or event.object_id)

    @admin.display(description="task run")
    def task_run_link(self, event):
        if event.task_run_id is None:
            return "-"
        url = admin_change_url(app_label="opsconsole", model_name="taskrun", pk=event.task_run_id)
        return format_html('<a href="{}" class="text-primary-600">Run #{}</a>', url, event.task_run_id)

    @admin.display(description="details")
    def details_display(self, event):
        return format_html('<pre class="whitespace-pre-wrap">{}</pre>',
                           json.dumps(event.details, indent=2, sort_keys=True, default=str))

    @admin.display(description="event")
    def event_number(self, event):
        return f"#{event.pk}"


@admin.register(AuditArchive)
class AuditArchiveAdmin(ReadOnlyPermissionsMixin, ModelAdmin, AdminScripts):
    list_display = ("archived_at", "archived_by", "older_than", "first_id", "last_id", "event_count", "file_name")
    list_per_page = 50
    show_full_result_count = False
    actions = None


@admin.register(AuditVerification)
class AuditVerificationAdmin(ReadOnlyPermissionsMixin, ModelAdmin, AdminScripts):
    list_display = ("checked_at", "checked_by", "intact", "events_checked", "first_broken_id", "message")
    list_filter = ("intact",)
    list_per_page = 50
    show_full_result_count = False
    actions = None
