"""Admin screens over payment data: view-only for every role, superusers included.

Payment data changes only through audited tasks, so these screens never offer add, change or
delete, and a crafted POST to them is refused by Django's own permission checks. The tasks
themselves are offered on every one of these screens, to the people allowed to run them.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.template.loader import render_to_string
from unfold.admin import ModelAdmin

from opsconsole.admin_scripts import AdminScripts
from opsconsole.detail_page import DetailPageMixin
from opsconsole.explaining.panel import explanation_panel
from opsconsole.history_admin import CheckedHistoryAdmin
from opsconsole.keyset_pagination import KeysetListMixin
from opsconsole.list_search import exact_key_condition, partial_key_condition
from opsconsole.money import format_minor_units
from opsconsole.platform_access import platform_scope_of, restrict_to_user_platforms, visible_platform_ids
from opsconsole.read_only_permissions import ReadOnlyPermissionsMixin
from opsconsole.related_tables import RelatedTable, related_table_pages
from opsconsole.tasking.admin import TaskActionsMixin


class PlatformScopedMixin:
    """For a ModelAdmin over a model that declares its `platform_scope`
    (opsconsole/platform_access.py): rows of platforms the person may not see are left out of the
    list, and their detail and history pages are a 404, exactly like a missing object's, so that
    nobody learns they exist."""

    def get_queryset(self, request):
        return restrict_to_user_platforms(super().get_queryset(request), request.user)

    def get_object(self, request, object_id, from_field=None):
        found = super().get_object(request, object_id, from_field)
        return found if found is not None else self.object_missing(request, object_id)

    def object_missing(self, request, object_id) -> None:
        """No such object, or one of another platform: a 404 for people who may view the kind, so
        the two look alike; None for others, whom Django then refuses with 403 as for any object."""
        if self.has_view_or_change_permission(request):
            raise Http404(f"There is no {self.model._meta.verbose_name} with id {object_id}.")
        return None

    def history_view(self, request, object_id, extra_context=None):
        self.require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.require_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def require_visible(self, request, object_id) -> None:
        """simple-history's pages look objects up by themselves, and show a deleted object's
        history: for a person limited to some platforms the object must exist and be theirs."""
        if platform_scope_of(self.model) and visible_platform_ids(request.user) is not None:
            self.get_object(request, unquote(object_id))


class PlatformScopedInlineMixin:
    """An inline's rows restricted by the platform path its model declares: a bug's page lists
    only the tickets of the person's platforms."""

    def get_queryset(self, request):
        return restrict_to_user_platforms(super().get_queryset(request), request.user)


class ReadOnlyModelAdmin(DetailPageMixin, TaskActionsMixin, PlatformScopedMixin, ReadOnlyPermissionsMixin,
                         KeysetListMixin, CheckedHistoryAdmin, ModelAdmin, AdminScripts):
    """Lists and detail pages tuned for large tables, with the tasks registered for the model
    as buttons and list actions (see opsconsole/tasking/admin.py).

    `detail_select_related` names the relations a detail page shows, fetched in the same query
    as the object; `list_select_related` does the same for list rows. Lists are read a page at a
    time in the indexed order `list_seek_key` names (opsconsole/keyset_pagination.py).
    `related_tables` lists the tables of related records below the details
    (opsconsole/related_tables.py), under the console's answers about the record
    (opsconsole/explaining/panel.py).
    """

    # Links are https; saying so silences Django 5's notice that its default scheme will change.
    formfield_overrides = {
        **ModelAdmin.formfield_overrides,
        models.URLField: {**ModelAdmin.formfield_overrides.get(models.URLField, {}), "assume_scheme": "https"},
    }
    detail_select_related: tuple[str, ...] = ()
    related_tables: tuple[type[RelatedTable], ...] = ()
    # The model's own columns a search term may be any part of, looked in only when the whole
    # term matches none of `search_fields`; each needs a trigram index on UPPER(column) on
    # PostgreSQL (opsconsole/list_search.py).
    search_partial_fields: tuple[str, ...] = ()
    actions = None

    def get_search_results(self, request, queryset, search_term):
        """The whole term on indexed keys, related tables looked up by their own index first; when
        no row matches it whole, any part of `search_partial_fields` (opsconsole/list_search.py)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        whole = queryset.filter(exact_key_condition(self.model, self.get_search_fields(request), term))
        partial = partial_key_condition(self.search_partial_fields, term)
        if partial is None or whole.exists():
            return whole, False
        return queryset.filter(partial), False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            answers = context["explanation_answers"] = explanation_panel(obj=obj, user=request.user)
            context["drawn_explanations"] = render_to_string("opsconsole/explaining/panel.html",
                                                             {"explanation_answers": answers})
            tables = context["related_tables"] = related_table_pages(request=request, parent=obj,
                                                                     tables=self.related_tables)
            context["drawn_related_tables"] = render_to_string("opsconsole/related_tables.html",
                                                               {"related_tables": tables})
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        """Records with django-simple-history show every change, field by field, with the task
        run behind it; append-only ones (the ledger, state changes) keep Django's plain page."""
        if hasattr(self.model._meta, "simple_history_manager_attribute"):
            return super().history_view(request, object_id, extra_context)
        return ModelAdmin.history_view(self, request, object_id, extra_context)

    def get_object(self, request, object_id, from_field=None):
        queryset = self.get_queryset(request)
        if self.detail_select_related:
            queryset = queryset.select_related(*self.detail_select_related)
        model = queryset.model
        field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
        try:
            object_id = field.to_python(object_id)
            return queryset.get(**{field.name: object_id})
        except (model.DoesNotExist, ValidationError, ValueError):
            return self.object_missing(request, object_id)


def money(amount_field: str, *, description: str, currency_field: str = "currency"):
    """A list or detail column that shows minor units as an amount with its currency."""

    @admin.display(description=description, ordering=amount_field)
    def show(self, obj):
        return format_minor_units(getattr(obj, amount_field), getattr(obj, currency_field))

    show.__name__ = f"{amount_field}_display"
    return show
