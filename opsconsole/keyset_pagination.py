"""Admin lists that stay fast on tables of tens of millions of rows: keyset ("seek") pagination
and estimated totals, never COUNT(*) and never OFFSET.

A list is read in the order of its seek key — the primary key, or an indexed column with the
primary key after it, all in one direction — so a page is the next `list_per_page` rows of an
index after (or before) the last row shown, as cheap at the millionth row as at the first. The
links carry that row's key (`?after=…`, `?before=…`) instead of a page number. Sorting is offered
only by the columns an index can also read the list by (`list_seek_fields`).

The total is the planner's estimate (`EXPLAIN`, which reads `pg_class.reltuples` and the column
statistics), shown as "about N"; a list that fits on one page shows its exact length. Other
databases give no estimate, and the list then says only whether there are more rows.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_list import admin_list_filter
from django.contrib.admin.views.main import ORDER_VAR
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from unfold.views import ChangeList

from opsconsole.list_table import ListTable

AFTER_VAR = "after"
BEFORE_VAR = "before"
CURSOR_VARS = (AFTER_VAR, BEFORE_VAR)
# Composite keys are written "<value>,<id>": the id is last and never holds a comma.
CURSOR_SEPARATOR = ","
UNREADABLE_POSITION = "That position in the list could not be read, so the list starts from the top."


@dataclass(frozen=True)
class SeekKey:
    """The columns a list is read in, most significant first, ending with the primary key; all
    ascending or all descending (`("-processing_date", "-id")`)."""

    fields: tuple[str, ...]

    @property
    def descending(self) -> bool:
        return self.fields[0].startswith("-")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name.lstrip("-") for name in self.fields)

    def ordering(self, *, reverse: bool = False) -> list[str]:
        descending = self.descending != reverse
        return [f"-{name}" if descending else name for name in self.names]

    def position_of(self, row) -> str:
        """The cursor naming `row`'s place in the list."""
        opts = row._meta
        return CURSOR_SEPARATOR.join(opts.get_field(name).value_to_string(row) for name in self.names)

    def values_of(self, cursor: str, model) -> list:
        """The key values a cursor names; ValidationError when it names none."""
        parts = cursor.rsplit(CURSOR_SEPARATOR, len(self.names) - 1)
        if len(parts) != len(self.names):
            raise ValidationError("wrong number of parts")
        return [model._meta.get_field(name).to_python(part) for name, part in zip(self.names, parts)]

    def beyond(self, values: list, *, forwards: bool) -> Q:
        """The rows after `values` in the list's order (`forwards`), or before them.

        Written as `a <= x AND (a < x OR (a = x AND id < y))` rather than a row comparison, so an
        index that leads with the first column serves it."""
        smaller = self.descending == forwards
        strict, inclusive = ("lt", "lte") if smaller else ("gt", "gte")
        condition = Q(**{f"{self.names[-1]}__{strict}": values[-1]})
        for name, value in zip(reversed(self.names[:-1]), reversed(values[:-1])):
            condition = Q(**{f"{name}__{strict}": value}) | (Q(**{name: value}) & condition)
            condition &= Q(**{f"{name}__{inclusive}": value})
        return condition


def estimated_row_count(queryset: QuerySet) -> int | None:
    """How many rows `queryset` would return, as the PostgreSQL planner estimates it without
    reading them; None on databases that cannot say."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    plan = json.loads(queryset.select_related(None).order_by().explain(format="json"))
    # Django hands the plan over as the one object of PostgreSQL's one-element list.
    plan = plan[0] if isinstance(plan, list) else plan
    return int(plan["Plan"]["Plan Rows"])


def about(count: int) -> int:
    """A count rounded to two significant figures, as an estimate is honestly read."""
    if count < 100:
        return count
    scale = 10 ** (int(math.log10(count)) - 1)
    return round(count / scale) * scale


class KeysetPaginator:
    """What the list's footer needs: its template and the page size. Pages have no numbers."""

    template_name = "opsconsole/keyset_pagination.html"

    def __init__(self, per_page: int):
        self.per_page = per_page


class KeysetChangeList(ChangeList):
    """Django's change list, read a page at a time by the model admin's `list_seek_key`.

    Sets, for the footer: `previous_url`, `next_url` and `first_url` (None where there is no such
    page), `estimated_total` (None when unknown), `exact_total` (when the list fits on the page
    it shows) and `total_description`, which says the one it knows."""

    def __init__(self, request, *args, **kwargs):
        self.cursor_params = {name: request.GET[name] for name in CURSOR_VARS if name in request.GET}
        super().__init__(request, *args, **kwargs)

    def _chosen_seek_key(self) -> SeekKey:
        """The admin's `list_seek_key`, unless the list is sorted by, or limited to a range of, one
        of its `list_seek_fields`: then that column, then the primary key."""
        alternatives = tuple(getattr(self.model_admin, "list_seek_fields", ()))
        pk_name = self.opts.pk.name
        sorted_by = self._sorted_by()
        if sorted_by and sorted_by.lstrip("-") in alternatives:
            descending = sorted_by.startswith("-")
            return SeekKey((sorted_by, f"-{pk_name}" if descending else pk_name))
        for spec in self.filter_specs:
            field_path = getattr(spec, "field_path", None)
            if field_path in alternatives and any(spec.used_parameters.values()):
                return SeekKey((f"-{field_path}", f"-{pk_name}"))
        return SeekKey(tuple(self.model_admin.list_seek_key))

    def _sorted_by(self) -> str | None:
        """The field of the column the list is sorted by (`o=3`, `o=-3`), "-" first when
        descending; None when it is not sorted by a field."""
        first = self.params.get(ORDER_VAR, "").split(".")[0]
        try:
            field = self.get_ordering_field(self.list_display[int(first.lstrip("-"))])
        except (IndexError, ValueError):
            return None
        if not isinstance(field, str):
            return None
        return f"-{field}" if first.startswith("-") else field

    def get_filters_params(self, params=None):
        params = super().get_filters_params(params)
        return {name: value for name, value in params.items() if name not in CURSOR_VARS}

    def get_query_string(self, new_params=None, remove=None):
        """Every link that changes the filters or the search starts again from the top."""
        new_params = dict(new_params or {})
        remove = [*(remove or []), *(name for name in CURSOR_VARS if name not in new_params)]
        return super().get_query_string(new_params, remove)

    def get_ordering(self, request, queryset):
        # Called once the filters are known, before the rows are read.
        self.seek_key = self._chosen_seek_key()
        return self.seek_key.ordering()

    def get_ordering_field_columns(self):
        return super().get_ordering_field_columns() if ORDER_VAR in self.params else {}

    def get_results(self, request):
        per_page = self.list_per_page
        rows, has_previous, has_next = self._page(request, per_page)
        self.result_list = rows
        self.previous_url = self._url(BEFORE_VAR, rows[0]) if has_previous and rows else None
        self.next_url = self._url(AFTER_VAR, rows[-1]) if has_next and rows else None
        self.first_url = self.get_query_string() if has_previous else None
        self.exact_total = len(rows) if not (has_previous or has_next) else None
        self.estimated_total = None if self.exact_total is not None else self._estimate(len(rows) + has_next)
        self.result_count = self.exact_total if self.exact_total is not None else (self.estimated_total or len(rows))
        self.full_result_count = self.result_count  # no "N results (Show all)" next to the title
        self.show_full_result_count = False
        self.show_admin_actions = True
        self.can_show_all = False
        self.multi_page = False
        self.paginator = KeysetPaginator(per_page)
        self.total_description = self._describe_total()

    def _page(self, request, per_page: int) -> tuple[list, bool, bool]:
        """The rows of the page asked for, and whether there are rows before and after it: one
        query, for one row more than the page shows."""
        key = self.seek_key
        direction, cursor = next(iter(self.cursor_params.items()), (None, None))
        values = None
        if cursor is not None:
            try:
                values = key.values_of(cursor, self.model)
            except (ValidationError, ValueError):
                messages.warning(request, UNREADABLE_POSITION)
        if values is None:
            rows = list(self.queryset[:per_page + 1])
            return rows[:per_page], False, len(rows) > per_page
        if direction == AFTER_VAR:
            rows = list(self.queryset.filter(key.beyond(values, forwards=True))[:per_page + 1])
            return rows[:per_page], True, len(rows) > per_page
        backwards = self.queryset.filter(key.beyond(values, forwards=False)).order_by(*key.ordering(reverse=True))
        rows = list(backwards[:per_page + 1])
        if len(rows) < per_page:
            # Back at the top with rows missing (removed since, or a crafted position): the first
            # page, whole.
            rows = list(self.queryset[:per_page + 1])
            return rows[:per_page], False, len(rows) > per_page
        return rows[:per_page][::-1], len(rows) > per_page, True

    def _url(self, direction: str, row) -> str:
        params = {name: value for name, value in self.params.items() if name not in CURSOR_VARS}
        params[direction] = self.seek_key.position_of(row)
        return f"?{urlencode(sorted(params.items()))}"

    def _describe_total(self) -> str:
        opts = self.opts
        if self.exact_total is not None:
            return f"{self.exact_total:,} {opts.verbose_name if self.exact_total == 1 else opts.verbose_name_plural}"
        if self.estimated_total is not None:
            return f"about {self.estimated_total:,} {opts.verbose_name_plural}"
        return f"{len(self.result_list):,} shown, more {'after' if self.next_url else 'before'}"

    def _estimate(self, at_least: int) -> int | None:
        estimate = estimated_row_count(self.queryset)
        return None if estimate is None else about(max(estimate, at_least))


class KeysetListMixin:
    """For a ModelAdmin over a large table: its list is a `KeysetChangeList` of 100 rows read in
    `list_seek_key` order, drawn by opsconsole/list_table.py, with no counts, no facets and no
    sorting but by `list_seek_fields`."""

    list_per_page = 100
    list_seek_key: tuple[str, ...] = ("-id",)
    # Columns the list may also be read by (each with an index): sorted by one, or limited to a
    # date range of one, the list is read by that column and then the primary key.
    list_seek_fields: tuple[str, ...] = ()
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    change_list_template = "opsconsole/large_change_list.html"

    def get_changelist(self, request, **kwargs):
        return KeysetChangeList

    def changelist_view(self, request, extra_context=None):
        """The list page, its header row and rows (`table`) and filters (`drawn_filters`) drawn
        before the page's template renders."""
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            cl = context["cl"]
            # Drawn here rather than from the template: the rows and the filters make most of a
            # page's Python calls, and nested in the layout's templates they ran at the depth where
            # CPython maps and unmaps a chunk of its frame stack for every call
            # (docs/decisions/0079-a-pages-records-drawn-by-its-view.md).
            context["table"] = ListTable(cl)
            context["drawn_filters"] = mark_safe("".join(admin_list_filter(cl, spec) for spec in cl.filter_specs))
        return response

    def get_sortable_by(self, request):
        return [name for name in self.get_list_display(request) if name in self.list_seek_fields]
