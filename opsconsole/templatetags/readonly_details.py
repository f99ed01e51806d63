"""The details of a read-only detail page, drawn in one pass.

Unfold draws each field of a change form through four nested templates, which on a detail page
of a dozen read-only fields costs several milliseconds. Every field of a ReadOnlyModelAdmin page
is read-only, so `readonly_fieldsets` builds the same markup, with unfold's classes, directly
from the admin form. Used by templates/opsconsole/related_tables_change_form.html only; editable
forms keep unfold's templates.
"""

from urllib.parse import urlsplit

from django import template
from django.contrib.admin.helpers import AdminReadonlyField, Fieldline, Fieldset
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from opsconsole.people import person_name

register = template.Library()

# The classes unfold's templates and tags give each part (unfold/templatetags/unfold.py:
# fieldset_rows_classes, fieldset_row_classes, fieldset_line_classes), so the page looks the same.
ROWS_CLASSES = "form-rows aligned border border-base-200 rounded-default shadow-xs dark:border-base-800"
ROW_CLASSES = "form-row field-row group/row"
LINE_CLASSES = "field-line flex flex-col grow group group/line px-3 py-2.5"
COMPRESSED_LINE_CLASSES = (
    "border-b border-base-200 border-dashed min-h-[59px] group-[.last]/row:border-b-0 lg:border-l "
    "lg:flex-row lg:items-center dark:border-base-800 lg:first:border-l-0"
)
COMPRESSED_LABEL_CLASSES = "lg:min-w-56 lg:w-56 lg:h-[38px] lg:flex lg:items-center lg:self-start lg:leading-[38px] lg:*:m-0"
HEADING_CLASSES = (
    "bg-base-100 flex flex-row font-semibold h-[38px] gap-1 items-center mb-4 px-3 rounded-default "
    "text-important dark:bg-white/[.02]"
)


@register.simple_tag
def readonly_fieldsets(adminform) -> SafeString:
    """The form's fieldsets as unfold draws them, or "" when the form has anything this does not
    draw (an editable field, a file, fieldset tabs, conditional fields): the caller then falls
    back to unfold's templates."""
    if getattr(adminform.model_admin, "conditional_fields", None):
        return mark_safe("")
    compressed = getattr(adminform.model_admin, "compressed_fields", False)
    drawn = []
    for fieldset in adminform:
        lines = [(line, list(line)) for line in fieldset]
        if "tab" in fieldset.classes or not all(_drawable(field) for _, fields in lines for field in fields):
            return mark_safe("")
        drawn.append(_fieldset(fieldset, lines, compressed))
    return format_html_join("", "{}", ((part,) for part in drawn))


def _drawable(field) -> bool:
    return isinstance(field, AdminReadonlyField) and not getattr(field, "is_file", False)


def _fieldset(fieldset: Fieldset, lines: list[tuple[Fieldline, list[AdminReadonlyField]]],
              compressed: bool) -> SafeString:
    collapsible = fieldset.is_collapsible
    heading = format_html('<h2 class="{}{}">{}</h2>', HEADING_CLASSES, " cursor-pointer" if collapsible else "",
                          capfirst(fieldset.name)) if fieldset.name else ""
    description = format_html('<div class="leading-relaxed mb-4 max-w-4xl text-sm">{}</div>',
                              mark_safe(fieldset.description)) if fieldset.description else ""
    if collapsible:
        heading = format_html("<details><summary>{}</summary>", heading)
    rows = format_html_join("", "{}", ((_row(line, fields, last=number == len(lines), compressed=compressed),)
                                       for number, (line, fields) in enumerate(lines, start=1)))
    return format_html(
        '<fieldset class="module relative {}" x-show="activeTab == \'general\'">{}{}<div class="{}">{}</div>{}</fieldset>',
        fieldset.classes, heading, description, ROWS_CLASSES, rows,
        mark_safe("</details>") if fieldset.name and collapsible else "",
    )


def _row(line: Fieldline, fields: list[AdminReadonlyField], *, last: bool, compressed: bool) -> SafeString:
    classes = [ROW_CLASSES]
    if len(fields) > 1:
        classes.append(f"grid lg:grid-cols-{len(fields)}")
    if not line.has_visible_field:
        classes.append("hidden")
    if last:
        classes.append("last")
    drawn = format_html_join("", "{}", ((_field(field, compressed),) for field in fields))
    return format_html('<div class="{}">{}</div>', " ".join(classes), drawn)


# Addresses from upstream data (a platform's callback URL) are links only when they lead to a web
# page: a `javascript:` or `data:` address is shown as text, whatever a content security policy does.
WEB_SCHEMES = {"http", "https"}


def web_link(address: str) -> SafeString:
    """`address` as a link when it is an http(s) URL, else as text."""
    if urlsplit(address).scheme.lower() in WEB_SCHEMES:
        return format_html('<a href="{}" class="text-link" rel="noreferrer">{}</a>', address, address)
    return format_html("{}", address)


def _contents(field: AdminReadonlyField) -> str:
    name = field.field["field"]
    try:
        model_field = field.form._meta.model._meta.get_field(name) if isinstance(name, str) else None
    except FieldDoesNotExist:
        model_field = None
    if isinstance(model_field, models.URLField):
        address = getattr(field.form.instance, name)
        return web_link(address) if address else ""
    if isinstance(model_field, models.ForeignKey) and model_field.related_model is get_user_model():
        person = getattr(field.form.instance, name)
        return format_html("{}", person_name(person)) if person is not None else ""
    return field.contents()


def _field(field: AdminReadonlyField, compressed: bool) -> SafeString:
    """A label and its value; the value element carries `readonly`, as in unfold."""
    contents = _contents(field)
    value = contents if contents and contents != "None" else "-"
    width = "max-w-4xl" if getattr(field, "is_json", False) else "max-w-2xl"
    help_text = field.field.get("help_text")
    help_html = format_html('<div class="leading-relaxed mt-2 text-xs">{}</div>', mark_safe(help_text)) if help_text else ""
    return format_html(
        '<div class="{}"><div class="{}">{}</div><div class="grow relative">'
        '<div class="readonly break-words {} *:rounded-default">{}</div>{}</div></div>',
        f"{LINE_CLASSES} {COMPRESSED_LINE_CLASSES}" if compressed else LINE_CLASSES,
        COMPRESSED_LABEL_CLASSES if compressed else "", field.label_tag(), width, value, help_html,
    )
