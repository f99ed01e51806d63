"""The rows of a large list, drawn as unfold draws them at a fraction of the cost.

unfold's `unfold_result_list` works out every column header again for every cell, renders the
selection checkbox through a form widget's template for every row, and runs a template loop with an
include per row; on a page of a hundred rows that is most of the page's time. These rows are the
same markup, built as strings: the headers worked out once, the checkbox rendered once and copied.
Only for read-only lists: no editable fields, no row actions, no expandable sections.
"""

import datetime

from django.contrib.admin.templatetags.admin_list import _coerce_field_name, result_hidden_fields
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import lookup_field, quote
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.template import Library
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from unfold.templatetags.unfold_list import CHECKBOX_CLASSES, LINK_CLASSES, ROW_CLASSES, result_headers
from unfold.utils import display_for_field, display_for_header, display_for_label, display_for_value

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


def _cell_value(cl, result, field_name, badges: dict) -> tuple[object, bool]:
    """What one cell shows, and whether it keeps to one line, as unfold's `items_for_result`
    decides them. A badge (unfold's `label`) is rendered once per value into `badges`."""
    empty_value_display = cl.model_admin.get_empty_value_display()
    try:
        field, attr, value = lookup_field(field_name, result, cl.model_admin)
    except ObjectDoesNotExist:
        return empty_value_display, False
    empty_value_display = getattr(attr, "empty_value_display", empty_value_display)
    if field is None or field.auto_created:
        if getattr(attr, "label", False):
            key = (field_name, repr(value))
            if key not in badges:
                badges[key] = display_for_label(value, empty_value_display, attr.label)
            shown = badges[key]
        elif getattr(attr, "header", False):
            shown = display_for_header(value, empty_value_display)
        else:
            shown = display_for_value(value, empty_value_display, getattr(attr, "boolean", False))
        return shown, isinstance(value, datetime.date | datetime.time)
    if isinstance(field.remote_field, models.ManyToOneRel):
        related = getattr(result, field.name)
        shown = empty_value_display if related is None else related
    else:
        shown = display_for_field(value, field, empty_value_display)
    return shown, isinstance(field, models.DateField | models.TimeField | models.ForeignKey)


class RowDrawer:
    """Draws one list's rows; built once per page."""

    def __init__(self, cl, headers):
        self.cl = cl
        self.fields = list(cl.list_display)
        self.labels = [escape(str(header["text"])) for header in headers]
        self.labels[0] = escape(_("Select record"))
        self.classes = [" ".join([f"field-{_coerce_field_name(name, index)}", *ROW_CLASSES])
                        for index, name in enumerate(self.fields)]
        links = cl.list_display_links
        if links is None:
            self.link_fields = set()
        else:
            # Django names the first column when the admin names none.
            self.link_fields = set(links) or set(self.fields[:1])
        self.checkbox = None
        self.badges = {}
        self.change_url = self._change_url_pattern()

    def row(self, index: int, result) -> str:
        return "".join([ROW_START.format(stripe=ROW_STRIPES[index % 2]), *self.cells(result), ROW_END])

    def cells(self, result):
        first = True
        for index, field_name in enumerate(self.fields):
            if field_name == ACTION_CHECKBOX:
                yield f'<td class="{" ".join(CHECKBOX_CLASSES)}" data-label="{self.labels[index]}">' \
                      f'{self.checkbox_for(result)}</td>'
                continue
            shown, nowrap = _cell_value(self.cl, result, field_name, self.badges)
            css = self.classes[index] + (" nowrap" if nowrap else "")
            shown = conditional_escape(shown)
            if field_name in self.link_fields:
                tag = "th" if first else "td"
                label = self.labels[index] if index else self.labels[0]
                yield f'<{tag} class="{css}" data-label="{label}">{self.link(result, shown)}</{tag}>'
                first = False
            else:
                yield f'<td class="{css}" data-label="{self.labels[index]}">{shown}</td>'

    def checkbox_for(self, result) -> str:
        if self.checkbox is None:
            self.checkbox = str(self.cl.model_admin.action_checkbox(_PlaceholderRow()))
        return self.checkbox.replace(PK_PLACEHOLDER, escape(str(result.pk)))

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
        url = self.change_url.replace(PK_PLACEHOLDER, escape(quote(getattr(result, self.cl.pk_attname))))
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
        "rows": [mark_safe(drawer.row(index, result)) for index, result in enumerate(cl.result_list)],
        "has_add_permission": False,
    }


@register.tag(name="large_result_list")
def large_result_list_tag(parser, token):
    return InclusionAdminNode(parser, token, func=large_result_list, template_name="large_list_results.html")
