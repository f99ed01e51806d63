"""Forms rendered as Django renders them, with the options of a select box written directly.

A list's filter panel holds several select boxes (state, kind, action, task, object type), and
Django writes each option through two included templates, the option's and its attributes': on
the audit list, whose filters offer some sixty options, that was a tenth of the page. Here the
box itself still comes from its template (Django's or unfold's, unchanged) and only the options
are written in Python, as `django/forms/widgets/select_option.html` writes them.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

# Select boxes whose template writes the options in one place, just before `</select>`.
SELECT_TEMPLATES = {"django/forms/widgets/select.html", "unfold/widgets/select.html"}
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
SELECT_END = "</select>"


class ConsoleFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name not in SELECT_TEMPLATES or not _plain_options(widget):
            return super().render(template_name, context, request)
        frame = super().render(template_name, {**context, "widget": {**widget, "optgroups": []}}, request)
        head, end, tail = frame.rpartition(SELECT_END)
        return mark_safe(head + options_html(widget["optgroups"]) + end + tail)


def _plain_options(widget) -> bool:
    return bool(widget) and all(option["template_name"] == OPTION_TEMPLATE
                                for _, options, _ in widget["optgroups"] for option in options)


def options_html(optgroups) -> str:
    parts = []
    for group_name, options, _ in optgroups:
        if group_name:
            parts.append(f'<optgroup label="{_text(group_name)}">')
        parts += (f'<option value="{_text(option["value"])}"{_attributes(option["attrs"])}>'
                  f'{_text(option["label"])}</option>' for option in options)
        if group_name:
            parts.append("</optgroup>")
    return "".join(parts)


def _attributes(attrs: dict) -> str:
    """As `django/forms/widgets/attrs.html`: `name="value"`, a bare name for True, nothing for False."""
    return "".join(f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"'
                   for name, value in attrs.items() if value is not False)


def _text(value) -> str:
    return conditional_escape(str(value))
