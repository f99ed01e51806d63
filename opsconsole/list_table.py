"""The table of a large list: its column headers and its rows as compact markup, for
templates/opsconsole/large_change_list.html, which `KeysetListMixin.changelist_view` gives it.

A row is a plain `<tr>` of `<td>`s, styled by static/opsconsole/lists.css, with at most one class
a cell (`nowrap`, on dates and times) where unfold repeats its utility classes on every cell. How
each column shows a row is decided once per page, from the column's field or attribute, on the
admin's public helpers: `label_for_field`, `lookup_field`, `display_for_field` and
`display_for_value` (django.contrib.admin.utils), Django's `result_headers` for the headers, and
`formats.localize` for dates and what it calls, `dateformat.format`, for moments.

What a cell shows is what the admin shows: a choice by its label, an empty value as the admin's
`empty_value_display`, a related record by its name (a person by `record_name`), a boolean as an
icon, a value of unfold's `@display(label=...)` as a badge. A moment is shown in the console's zone,
named, with UTC on hover (`<time title="… UTC">`).

For read-only lists: no `list_editable` fields, no row actions, no expandable sections.
"""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, label_for_field, lookup_field
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch
from django.utils import dateformat, formats, timezone
from django.utils.hashable import make_hashable
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext

from opsconsole.admin_urls import KEY_PLACEHOLDER, admin_change_url
from opsconsole.markup import escaped
from opsconsole.people import record_name

ACTION_CHECKBOX = "action_checkbox"
# Date format specifiers that read the seconds or finer: a format without them shows every moment
# of a minute alike, so each minute is formatted once.
FINER_THAN_MINUTE = frozenset("sucrU")
# unfold's boolean icons (Material Symbols names) with the words read out for them.
BOOLEAN_ICONS = {True: ("yes", "check_small", "True"), False: ("no", "close_small", "False"),
                 None: ("unknown", "question_mark", "Unknown")}
# The tones of unfold's `@display(label={value: tone})`; any other draws the default badge.
BADGE_TONES = frozenset({"info", "danger", "warning", "success", "primary"})


def capitalized(text) -> str:
    """`{{ text|capfirst }}`: the first letter upper-cased, escaped unless it is markup already."""
    shown = capfirst(str(text))
    return shown if hasattr(text, "__html__") else html.escape(shown)


def moment_markup(shown: str, moment: datetime.datetime) -> str:
    """A moment as shown, with the same moment in UTC on hover."""
    if timezone.is_naive(moment):
        return html.escape(shown)
    return f'<time title="{moment.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC">{html.escape(shown)}</time>'


# Django's date format specifiers (`django.utils.dateformat`) that read only the local date, and
# those that read the time of day or the zone at that instant, and those that read both.
DATE_SPECIFIERS = frozenset("bdDEFjlLmMnNoStwWyYz")
TIME_SPECIFIERS = frozenset("aAefgGhHiIOPsTuZ")
READS_BOTH = frozenset("crU")


def date_and_time_parts(format_string: str) -> tuple[str, str] | None:
    """`format_string` cut into a part that reads only the date and a part that reads only the
    time of day and the zone, so that formatting the two and joining them is formatting the whole;
    None when it cannot be cut so (a specifier reading both, a time before a date, an escape)."""
    if "\\" in format_string or any(character in READS_BOTH for character in format_string):
        return None
    cut = next((index for index, character in enumerate(format_string) if character in TIME_SPECIFIERS),
               len(format_string))
    if any(character in DATE_SPECIFIERS for character in format_string[cut:]):
        return None
    return format_string[:cut], format_string[cut:]


class Moments:
    """Moments as the admin shows them, `formats.localize(timezone.template_localtime(moment))`,
    marked up with UTC on hover; each minute formatted once when the format shows none finer.

    The format and the zone are read once a page, where `localize` and `template_localtime`
    would read them again for every moment (each read a lookup in the request's language and zone),
    then each moment is written by the same `dateformat.format` that `localize` calls. When the
    format is a date followed by a time (`date_and_time_parts`), the date is formatted once a day:
    a page of a hundred moments shows a few days and a hundred minutes."""

    def __init__(self):
        self.format = formats.get_format("DATETIME_FORMAT")
        # `template_localtime` leaves moments as they are when the project keeps no zones.
        self.zone = timezone.get_current_timezone() if settings.USE_TZ else None
        self.by_minute = not FINER_THAN_MINUTE & set(str(self.format))
        self.parts = date_and_time_parts(str(self.format))
        self.kept: dict[datetime.datetime, str] = {}
        self.days: dict[datetime.date, str] = {}

    def __call__(self, moment: datetime.datetime) -> str:
        if timezone.is_naive(moment):
            return moment_markup(dateformat.format(moment, self.format), moment)
        if not self.by_minute:
            return self.shown(moment)
        # Aware moments are equal when they are the same instant, so one minute is one key
        # whatever zone it was read in, and its zone's name and offset are the same throughout.
        minute = moment.replace(second=0, microsecond=0)
        shown = self.kept.get(minute)
        if shown is None:
            shown = self.kept[minute] = self.shown(moment)
        return shown

    def shown(self, moment: datetime.datetime) -> str:
        local = timezone.localtime(moment, self.zone) if self.zone else moment
        if self.parts is None:
            return moment_markup(dateformat.format(local, self.format), moment)
        date_part, time_part = self.parts
        day = local.date()
        date_shown = self.days.get(day)
        if date_shown is None:
            date_shown = self.days[day] = dateformat.format(local, date_part)
        return moment_markup(date_shown + dateformat.format(local, time_part), moment)


class Days:
    """Dates as the admin shows them, `formats.localize(day)`, each date formatted once."""

    def __init__(self):
        self.kept: dict[datetime.date, str] = {}

    def __call__(self, day: datetime.date) -> str:
        shown = self.kept.get(day)
        if shown is None:
            shown = self.kept[day] = html.escape(formats.localize(day))
        return shown


def boolean_icon(value) -> str:
    """unfold's icon for a boolean: a tick, a cross, or a question mark for None."""
    tone, icon, word = BOOLEAN_ICONS[None if value is None or value == "" else bool(value)]
    word = gettext(word)
    return f'<span class="bool-{tone}" title="{word}" role="img" aria-label="{word}">{icon}</span>'


def badge(text, tone) -> str:
    """One of unfold's labels (unfold/helpers/label.html), in lists.css's colours."""
    tone_class = f" {tone}" if tone in BADGE_TONES else ""
    return f'<span class="badge{tone_class}">{escaped(text)}</span>'


def badges(value, label, empty: str) -> str:
    """What unfold's `display_for_label` shows for `value` of a column declared with
    `@display(label=label)`: `(key, text)` is the text in the key's tone."""
    tone = None
    if isinstance(label, dict):
        if isinstance(value, tuple):
            tone = label.get(value[0])
            value = value[1] if value[0] in label else value[0]
        else:
            tone = label.get(make_hashable(value))
    if not value:
        return escaped(empty)
    if isinstance(value, list | tuple):
        return "".join(badge(item, tone) for item in value)
    return badge(value, tone)


class FieldColumn:
    """A column showing one of the model's own fields; what depends only on the field (its
    choices' labels, its kind of value, whether it keeps to one line) decided once."""

    def __init__(self, field, empty: str, moments: Moments, days: Days, *, links: bool):
        self.name = field.name
        self.field = field
        self.empty = escaped(empty)
        self.empty_values = field.empty_values
        self.links = links
        self.nowrap = isinstance(field, models.DateField | models.TimeField)
        if isinstance(field.remote_field, models.ManyToOneRel):
            self.show = self.related
        elif getattr(field, "flatchoices", None):
            self.labels = {make_hashable(value): escaped(label) for value, label in field.flatchoices}
            self.show = self.choice
        elif isinstance(field, models.BooleanField):
            self.icons = {value: boolean_icon(value) for value in BOOLEAN_ICONS}
            self.show = self.boolean
        elif isinstance(field, models.DateTimeField):
            self.show = self.when_present(moments)
        elif isinstance(field, models.DateField):
            self.show = self.when_present(days)
        elif isinstance(field, models.CharField | models.TextField):
            self.show = self.text
        else:
            self.show = self.other

    def __call__(self, row) -> tuple[str, bool]:
        try:
            value = getattr(row, self.name)
        except ObjectDoesNotExist:
            return self.empty, self.nowrap
        return self.show(value), self.nowrap

    def related(self, record) -> str:
        return self.empty if record is None else html.escape(record_name(record))

    def choice(self, value) -> str:
        return self.labels.get(make_hashable(value), self.empty)

    def boolean(self, value) -> str:
        return self.icons[None if value is None else bool(value)]

    def when_present(self, display):
        def show(value) -> str:
            return self.empty if value is None else display(value)
        return show

    def text(self, value) -> str:
        if value.__class__ is not str:
            return self.other(value)
        return html.escape(value) if value.strip() else self.empty

    def other(self, value) -> str:
        if value in self.empty_values:
            return self.empty
        return escaped(display_for_field(value, self.field, self.empty, avoid_link=self.links))


class ComputedColumn:
    """A column showing what an admin method, a model method or property, or an automatic field
    such as `id` gives; how it is read and drawn decided once from its `@display` options."""

    def __init__(self, cl, name, attr, empty: str, moments: Moments, days: Days):
        display_options = attr.fget if isinstance(attr, property) else attr
        self.empty = getattr(display_options, "empty_value_display", empty)
        self.boolean = getattr(display_options, "boolean", False)
        self.label = getattr(display_options, "label", None)  # unfold's `@display(label=...)`
        self.moments, self.days = moments, days
        if callable(name):
            self.read = name
        elif name != "__str__" and hasattr(cl.model_admin, name):
            self.read = getattr(cl.model_admin, name)
        else:
            self.read = self.attribute_reader(name)

    @staticmethod
    def attribute_reader(name: str):
        def read(row):
            value = getattr(row, name)
            return value() if callable(value) else value
        return read

    def __call__(self, row) -> tuple[str, bool]:
        try:
            value = self.read(row)
        except ObjectDoesNotExist:
            return escaped(self.empty), False
        return self.show(value), isinstance(value, datetime.date | datetime.time)

    def show(self, value) -> str:
        if self.label:
            return badges(value, self.label, self.empty)
        if self.boolean:
            return boolean_icon(value)
        if isinstance(value, datetime.datetime):
            return self.moments(value)
        if isinstance(value, datetime.date):
            return self.days(value)
        if value.__class__ is str:
            return html.escape(value) if value.strip() else ""
        return escaped(display_for_value(value, self.empty))


class LookedUpColumn:
    """Any other column (a field across a relation, `"buyer__email"`): read and drawn cell by
    cell, as Django's `items_for_result` does."""

    def __init__(self, cl, name, empty: str, *, links: bool):
        self.name, self.model_admin, self.empty, self.links = name, cl.model_admin, empty, links

    def __call__(self, row) -> tuple[str, bool]:
        try:
            field, attr, value = lookup_field(self.name, row, self.model_admin)
        except ObjectDoesNotExist:
            return escaped(self.empty), False
        empty = getattr(attr, "empty_value_display", self.empty)
        if field is None or field.auto_created:
            return (escaped(display_for_value(value, empty, getattr(attr, "boolean", False))),
                    isinstance(value, datetime.date | datetime.time))
        if isinstance(field.remote_field, models.ManyToOneRel):
            shown = empty if value is None else record_name(value)
        else:
            shown = display_for_field(value, field, empty, avoid_link=self.links)
        return escaped(shown), isinstance(field, models.DateField | models.TimeField)


def links_to_record(cl, name, index: int) -> bool:
    """Django's rule: the columns `list_display_links` names, or the first column when it names
    none; no column when it is None."""
    if cl.list_display_links is None:
        return False
    return name in cl.list_display_links if cl.list_display_links else index == 0


def column_for(cl, name, empty: str, moments: Moments, days: Days, *, links: bool):
    """What draws column `name` of the list: called with a row, it gives the cell's content as
    markup and whether the cell keeps to one line."""
    _label, attr = label_for_field(name, cl.model, model_admin=cl.model_admin, return_attr=True)
    if attr is not None:
        return ComputedColumn(cl, name, attr, empty, moments, days)
    if isinstance(name, str) and LOOKUP_SEP not in name:
        field = cl.model._meta.get_field(name)
        if field.auto_created:
            return ComputedColumn(cl, name, None, empty, moments, days)
        return FieldColumn(field, empty, moments, days, links=links)
    return LookedUpColumn(cl, name, empty, links=links)


@dataclass(frozen=True)
class Cell:
    """A column's cell around its content: its tag (`th` for the first link to the record, as
    Django draws it) and whether its content links to the record."""

    draw: object  # a column: row → (content, whether it keeps to one line)
    tag: str
    links: bool


class ListTable:
    """A list's headers (Django's `result_headers`, the selection checkbox marked `checkbox`), its
    header row's markup (`header_row`) and its rows' markup (`rows`), drawn when it is made, once
    per page."""

    def __init__(self, cl):
        self.cl = cl
        empty = cl.model_admin.get_empty_value_display()
        moments, days = Moments(), Days()
        self.headers = []
        self.cells = []
        for index, (name, header) in enumerate(zip(cl.list_display, result_headers(cl))):
            if name == ACTION_CHECKBOX:
                self.headers.append({"checkbox": True})
                self.cells.append(None)
                continue
            self.headers.append(header)
            links = links_to_record(cl, name, index)
            first_link = links and not any(cell and cell.links for cell in self.cells)
            self.cells.append(Cell(column_for(cl, name, empty, moments, days, links=links),
                                   "th" if first_link else "td", links))
        self.change_url = self.change_url_pattern()
        self.select_label = html.escape(gettext("Select record"))
        self.header_row = self.draw_header_row()
        self.rows = mark_safe("".join(self.row(result) for result in cl.result_list))

    def change_url_pattern(self) -> str | None:
        """A row's change link with a placeholder for its key, worked out once when keys are
        integers (which need no quoting in a URL); None when each row's is worked out."""
        cl = self.cl
        if not isinstance(cl.opts.pk, models.IntegerField | models.AutoField):
            return None
        pattern = admin_change_url(app_label=cl.opts.app_label, model_name=cl.opts.model_name, pk=KEY_PLACEHOLDER)
        return "" if pattern is None else self.preserving_filters(pattern)

    def preserving_filters(self, url: str) -> str:
        cl = self.cl
        return html.escape(add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url))

    def link_of(self, row) -> str:
        """The row's change link, escaped; "" when the record has no change page."""
        if self.change_url is not None:
            return self.change_url.replace(KEY_PLACEHOLDER, str(row.pk))
        try:
            return self.preserving_filters(self.cl.url_for_result(row))
        except NoReverseMatch:
            return ""

    def draw_header_row(self) -> SafeString:
        """The `<tr>` of the column headers: the selection checkbox, a sortable column's link and
        its sort controls, as Django's change list draws them."""
        cells = []
        for header in self.headers:
            if header.get("checkbox"):
                label = html.escape(gettext("Select all objects on this page for an action"))
                cells.append('<th scope="col" class="action-checkbox-column"><input type="checkbox" id="action-toggle" '
                             f'class="action-toggle" aria-label="{label}"></th>')
                continue
            text = capitalized(header["text"])
            if header["sortable"]:
                text = f'<a href="{html.escape(header["url_primary"])}">{text}</a>'
                if header["sort_priority"] > 0:
                    arrow = "arrow_circle_down" if header["ascending"] else "arrow_circle_up"
                    text += (f'<a href="{html.escape(header["url_toggle"])}" class="sort-toggle" '
                             f'title="{html.escape(gettext("Toggle sorting"))}">{arrow}</a>'
                             f'<a href="{html.escape(header["url_remove"])}" class="sort-remove" '
                             f'title="{html.escape(gettext("Remove from sorting"))}">cancel</a>')
            cells.append(f'<th scope="col"{header["class_attrib"]}>{text}</th>')
        return mark_safe(f"<tr>{''.join(cells)}</tr>")

    def row(self, result) -> str:
        drawn = ["<tr>"]
        for cell in self.cells:
            if cell is None:
                drawn.append(f'<td><input type="checkbox" name="{ACTION_CHECKBOX_NAME}" '
                             f'value="{html.escape(str(result.pk))}" class="action-select" '
                             f'aria-label="{self.select_label}"></td>')
                continue
            content, nowrap = cell.draw(result)
            if cell.links:
                content = self.linked(result, content)
            drawn.append(f'<{cell.tag} class="nowrap">{content}</{cell.tag}>' if nowrap
                         else f"<{cell.tag}>{content}</{cell.tag}>")
        drawn.append("</tr>")
        return "".join(drawn)

    def linked(self, result, content: str) -> str:
        url = self.link_of(result)
        if not url:
            return content
        cl = self.cl
        if cl.is_popup:
            opener = result.serializable_value(str(cl.to_field) if cl.to_field else cl.pk_attname)
            return f'<a href="{url}" data-popup-opener="{html.escape(str(opener))}">{content}</a>'
        return f'<a href="{url}">{content}</a>'

