"""The rows of a large list, drawn as unfold draws them at a fraction of the cost.

unfold's `unfold_result_list` works out every column header again for every cell, renders the
selection checkbox through a form widget's template for every row, and runs a template loop with an
include per row; on a page of a hundred rows that is most of the page's time. These rows are the
same markup, built as strings: the headers worked out once, the checkbox rendered once and copied,
the change link reversed once. How each column reads a row is also decided once per page rather
than once per cell: which field or admin method it shows, its choices' labels (each escaped
once), and its dates (opsconsole/date_display.py).
Only for read-only lists: no editable fields, no row actions, no expandable sections.
"""

import datetime
import html
from dataclasses import dataclass
from urllib.parse import quote as url_quote

from django.contrib.admin.templatetags.admin_list import _coerce_field_name, result_hidden_fields
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import FieldIsAForeignKeyColumnName, _get_non_gfk_field, lookup_field, quote
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.template import Library
from django.urls import NoReverseMatch
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from unfold.templatetags.unfold_list import CHECKBOX_CLASSES, LINK_CLASSES, ROW_CLASSES, result_headers
from unfold.utils import _boolean_icon, display_for_field, display_for_header, display_for_label, display_for_value

from opsconsole.date_display import DayDisplay, MomentDisplay
from opsconsole.people import record_name

register = Library()

ACTION_CHECKBOX = "action_checkbox"
# Stands for the row's primary key in the checkbox rendered once.
PK_PLACEHOLDER = "PKPLACEHOLDER"  # survives the admin's quoting of keys in URLs
# unfold's change_list_results.html, row by row: striped bodies of one row each.
ROW_STRIPES = ("", "bg-base-50 dark:bg-white/[.02]")
ROW_START = ('<tbody class="block relative lg:table-row-group {stripe}" x-data="{{rowOpen: false}}">'
             '<tr class="data-row block border border-base-200 mb-3 relative rounded-default lg:table-row '
             'lg:border-none lg:mb-0 lg:rounded-none dark:border-base-800">')
ROW_END = "</tr></tbody>"
LINK_CLASS = " ".join(LINK_CLASSES)
CHECKBOX_CLASS = " ".join(CHECKBOX_CLASSES)


def moment_html(display: MomentDisplay, moment: datetime.datetime) -> str:
    """A moment in the console's zone, named, and in UTC on hover; escaped."""
    shown = html.escape(display(moment))
    if moment.tzinfo is None:
        return shown
    return f'<time title="{moment.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC">{shown}</time>'


class FieldColumn:
    """A column showing one of the model's own fields, read as unfold's `items_for_result` reads
    it, with what depends only on the field (its choices' labels, its kind of value, whether it
    keeps to one line) decided once for the page."""

    def __init__(self, field, empty_value_display, moments: MomentDisplay, days: DayDisplay):
        self.name = field.name
        self.field = field
        self.empty = conditional_escape(empty_value_display)
        self.nowrap = isinstance(field, models.DateField | models.TimeField | models.ForeignKey)
        self.kept: dict = {}  # a choice's label or a boolean's icon, escaped, by value
        if isinstance(field.remote_field, models.ManyToOneRel):
            self.show = self._related
        elif getattr(field, "flatchoices", None):
            self.choices = dict(make_hashable(field.flatchoices))
            self.show = self._choice
        elif isinstance(field, models.BooleanField):
            self.show = self._boolean
        elif isinstance(field, models.DateTimeField):
            self.show = self._moment(moments)
        elif isinstance(field, models.DateField):
            self.show = self._with_format(days)
        elif isinstance(field, models.CharField | models.TextField):
            self.show = self._text
        else:
            self.show = self._any

    def __call__(self, result) -> tuple[str, bool]:
        try:
            value = getattr(result, self.name)
        except ObjectDoesNotExist:
            return self.empty, False
        return self.show(value), self.nowrap

    def _related(self, related) -> str:
        return self.empty if related is None else _html(record_name(related))

    def _choice(self, value) -> str:
        value = make_hashable(value)
        if value not in self.kept:
            self.kept[value] = conditional_escape(self.choices.get(value, self.empty))
        return self.kept[value]

    def _boolean(self, value) -> str:
        if value not in self.kept:
            self.kept[value] = conditional_escape(_boolean_icon(value))
        return self.kept[value]

    def _with_format(self, display):
        def show(value) -> str:
            return self.empty if value is None or value == "" else html.escape(display(value))
        return show

    def _moment(self, display):
        def show(value) -> str:
            return self.empty if value is None else moment_html(display, value)
        return show

    def _text(self, value) -> str:
        if value.__class__ is str:
            return html.escape(value) if value else self.empty
        return self._any(value)

    def _any(self, value) -> str:
        return _html(display_for_field(value, self.field, self.empty))


class ComputedColumn:
    """A column showing what an admin method, a model method or property, or an automatic field
    (`id`) gives, drawn as unfold's `items_for_result` draws it: a badge (`label`), a header, a
    boolean's icon, or the value itself."""

    def __init__(self, cl, field_name: str, empty_value_display, moments: MomentDisplay):
        self.name = field_name
        self.model_admin = cl.model_admin
        self.empty = empty_value_display
        self.moments = moments
        self.badges: dict[str, str] = {}  # unfold's `label` rendered once per value
        self.admin_method = self.admin_method_shape = None
        if not callable(field_name) and field_name != "__str__" and not _is_model_field(cl.model, field_name):
            self.admin_method = getattr(cl.model_admin, field_name, None)
            self.admin_method_shape = _DisplayShape.of(self.admin_method, empty_value_display)

    def __call__(self, result) -> tuple[str, bool]:
        try:
            if self.admin_method is not None:
                shape, value = self.admin_method_shape, self.admin_method(result)
            else:
                _, attr, value = lookup_field(self.name, result, self.model_admin)
                shape = _DisplayShape.of(attr, self.empty)
        except ObjectDoesNotExist:
            return conditional_escape(self.empty), False
        return _html(self._shown(shape, value)), isinstance(value, datetime.date | datetime.time)

    def _shown(self, shape: "_DisplayShape", value):
        if shape.label:
            key = repr(value)
            if key not in self.badges:
                self.badges[key] = display_for_label(value, shape.empty, shape.label)
            return self.badges[key]
        if shape.header:
            return display_for_header(value, shape.empty)
        if isinstance(value, datetime.datetime) and not shape.boolean:
            return mark_safe(moment_html(self.moments, value))
        return display_for_value(value, shape.empty, shape.boolean)


@dataclass(frozen=True)
class _DisplayShape:
    """How unfold shows what an attribute gives: the `@display` options it reads off it."""

    empty: str
    label: object
    header: bool
    boolean: bool

    @classmethod
    def of(cls, attr, empty_value_display) -> "_DisplayShape":
        return cls(getattr(attr, "empty_value_display", empty_value_display), getattr(attr, "label", False),
                   getattr(attr, "header", False), getattr(attr, "boolean", False))


def _html(value) -> str:
    """`conditional_escape(value)`, without the wrapper for lazy strings it carries: this runs for
    every cell."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _is_model_field(model, field_name: str) -> bool:
    try:
        _get_non_gfk_field(model._meta, field_name)
    except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
        return False
    return True


def _column(cl, field_name: str, empty_value_display, moments: MomentDisplay, days: DayDisplay):
    """What reads the list's `field_name` column of each row: called with a row, it gives the
    cell's content as markup and whether the cell keeps to one line."""
    try:
        field = _get_non_gfk_field(cl.model._meta, field_name)
    except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
        field = None
    if field is not None and not field.auto_created:
        return FieldColumn(field, empty_value_display, moments, days)
    return ComputedColumn(cl, field_name, empty_value_display, moments)


@dataclass(frozen=True)
class _Cell:
    """A column's cell around its value, as unfold's `items_for_result` writes it: the tags, the
    classes (with `nowrap` for a date or a foreign key), the label a narrow screen shows beside
    the value, and whether the value links to the record (the first such cell is a `<th>`)."""

    column: object  # FieldColumn or ComputedColumn; None for the selection checkbox
    opening: str
    opening_nowrap: str
    closing: str
    links: bool

    @classmethod
    def of(cls, cl, index: int, field_name: str, header: dict, column, *, first_link: bool) -> "_Cell":
        select_label = escape(_("Select record"))
        if column is None:
            return cls(None, f'<td class="{CHECKBOX_CLASS}" data-label="{select_label}">', "", "</td>", links=False)
        links = _links_to_record(cl, field_name, index)
        tag = "th" if links and first_link else "td"
        # unfold labels a first column that is no link "Select record", whatever its header says.
        label = select_label if index == 0 and not links else escape(str(header["text"]))
        css = " ".join([f"field-{_coerce_field_name(field_name, index)}", *ROW_CLASSES])
        return cls(column, f'<{tag} class="{css}" data-label="{label}">',
                   f'<{tag} class="{css} nowrap" data-label="{label}">', f"</{tag}>", links=links)


def _links_to_record(cl, field_name: str, index: int) -> bool:
    """Django's rule: the columns `list_display_links` names, or the first column when it names
    none; no column when it is None."""
    links = cl.list_display_links
    if links is None:
        return False
    return field_name in links if links else index == 0


class RowDrawer:
    """Draws one list's rows; built once per page."""

    def __init__(self, cl, headers):
        self.cl = cl
        self.checkbox = None
        self.change_url = self._change_url_pattern()
        empty_value_display = cl.model_admin.get_empty_value_display()
        moments, days = MomentDisplay(), DayDisplay()
        self.cells_of_row = []
        for index, (name, header) in enumerate(zip(cl.list_display, headers)):
            column = None if name == ACTION_CHECKBOX else _column(cl, name, empty_value_display, moments, days)
            first_link = not any(cell.links for cell in self.cells_of_row)
            self.cells_of_row.append(_Cell.of(cl, index, name, header, column, first_link=first_link))

    def row(self, index: int, result) -> str:
        return "".join([ROW_START.format(stripe=ROW_STRIPES[index % 2]), *self.cells(result), ROW_END])

    def cells(self, result):
        for cell in self.cells_of_row:
            if cell.column is None:
                yield cell.opening + self.checkbox_for(result) + cell.closing
                continue
            shown, nowrap = cell.column(result)
            if cell.links:
                shown = self.link(result, shown)
            yield (cell.opening_nowrap if nowrap else cell.opening) + shown + cell.closing

    def checkbox_for(self, result) -> str:
        if self.checkbox is None:
            self.checkbox = str(self.cl.model_admin.action_checkbox(_PlaceholderRow()))
        return self.checkbox.replace(PK_PLACEHOLDER, html.escape(str(result.pk)))

    def _change_url_pattern(self) -> str | None:
        """A row's link with the placeholder for its key: reversed once, not once per row."""
        cl = self.cl
        placeholder = _PlaceholderRow()
        setattr(placeholder, cl.pk_attname, PK_PLACEHOLDER)
        try:
            url = cl.url_for_result(placeholder)
        except NoReverseMatch:
            return None
        return escape(add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url))

    def link(self, result, shown) -> str:
        if self.change_url is None:
            return shown
        # Quoted for the admin, then for the URL, as `url_for_result` and `reverse` quote it.
        key = url_quote(str(quote(getattr(result, self.cl.pk_attname))), safe=RFC3986_SUBDELIMS + "/~:@")
        url = self.change_url.replace(PK_PLACEHOLDER, html.escape(key))
        return f'<a href="{url}" class="{LINK_CLASS}">{shown}</a>'


class _PlaceholderRow:
    pk = PK_PLACEHOLDER


def large_result_list(context, cl):
    headers = list(result_headers(cl))
    drawer = RowDrawer(cl, headers)
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": 0,
        "rows": mark_safe("".join(drawer.row(index, result) for index, result in enumerate(cl.result_list))),
        "has_add_permission": False,
    }


@register.tag(name="large_result_list")
def large_result_list_tag(parser, token):
    return InclusionAdminNode(parser, token, func=large_result_list, template_name="large_list_results.html")
