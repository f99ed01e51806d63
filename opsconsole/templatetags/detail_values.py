"""What a read-only detail page shows as each field's value (templates/opsconsole/detail_page.html).

The admin hands a change form's template every read-only field with its value already drawn
(`contents()`). Three kinds of value are drawn here instead, the way the console shows them on
every screen:

- an address (a URLField) is a link only when it leads to a web page: an address from upstream
  data (a platform's callback URL) with a `javascript:` or `data:` scheme is shown as text,
  whatever a content security policy does;
- a member of staff (a foreign key to the user model) is named by `person_name`;
- a column declared with unfold's `display(label=…)` is the badge the list shows, where
  `contents()` would write out the pair the column returns.
"""

from urllib.parse import urlsplit

from django import template
from django.contrib.admin.utils import lookup_field
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString
from unfold.utils import display_for_label

from opsconsole.people import person_name

register = template.Library()

WEB_SCHEMES = {"http", "https"}


def web_link(address: str) -> SafeString:
    """`address` as a link when it is an http(s) URL, else as text."""
    if urlsplit(address).scheme.lower() in WEB_SCHEMES:
        return format_html('<a href="{}" class="text-link" rel="noreferrer">{}</a>', address, address)
    return format_html("{}", address)


@register.filter
def detail_value(field) -> str:
    """The value of `field`, one read-only field of an admin form as a change form's template
    iterates them (`{% for field in line %}`), as markup; the admin's empty value when it has none."""
    name, record, model_admin = field.field["field"], field.form.instance, field.model_admin
    empty = model_admin.get_empty_value_display()
    model_field = _model_field(record, name)
    if isinstance(model_field, models.URLField):
        address = getattr(record, name)
        return web_link(address) if address else empty
    if isinstance(model_field, models.ForeignKey) and model_field.related_model is get_user_model():
        person = getattr(record, name)
        return format_html("{}", person_name(person)) if person is not None else empty
    colours = getattr(_display_function(model_admin, record, name), "label", None) if model_field is None else None
    if colours is not None:
        _, _, value = lookup_field(name, record, model_admin)
        return display_for_label(value, empty, colours) if value else empty
    shown = field.contents()
    return shown if shown and shown != "None" else empty


def _model_field(record: models.Model, name) -> models.Field | None:
    if not isinstance(name, str):
        return None
    try:
        return record._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _display_function(model_admin, record: models.Model, name):
    """The admin's or the model's function that `name` shows, looked up in the order the admin's
    `lookup_field` uses, without calling it."""
    if callable(name):
        return name
    return getattr(model_admin, name, None) or getattr(type(record), name, None)
