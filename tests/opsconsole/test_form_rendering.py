"""Select boxes come out as Django's own templates write them, options and all
(opsconsole/form_rendering.py), and lists with select boxes (filters, actions) read the same as
with Django's renderer."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.test import override_settings
from django.test.html import parse_html
from django.urls import reverse
from django.utils.safestring import mark_safe
from unfold.widgets import UnfoldAdminNullBooleanSelectWidget, UnfoldAdminSelectWidget

from opsconsole.form_rendering import ConsoleFormRenderer

CHOICES = [
    ("", "Any"),
    ("pending", 'Pending <review> & "hold"'),
    ("safe", mark_safe("<b>bold</b>")),
    ("Card", [("visa", "Visa"), ("mc", "Mastercard")]),
    (3, 3),
]


def widgets():
    return [
        ("django select", forms.Select(choices=CHOICES, attrs={"data-x": 'a"b&c', "data-empty": "", "disabled": True, "hidden": False})),
        ("django multiple", forms.SelectMultiple(choices=CHOICES)),
        ("unfold select", UnfoldAdminSelectWidget(choices=CHOICES)),
        ("unfold yes/no", UnfoldAdminNullBooleanSelectWidget()),
    ]


@pytest.mark.parametrize("name, widget", widgets())
@pytest.mark.parametrize("value", [None, "pending", "visa", "true", "unknown"])
def test_a_select_box_reads_as_djangos_template_writes_it(name, widget, value):
    djangos = widget.render("state", value, renderer=DjangoTemplates())
    ours = widget.render("state", value, renderer=ConsoleFormRenderer())
    assert parse_html(ours) == parse_html(djangos)
    assert ours.count("<option") == djangos.count("<option") > 0


def test_several_chosen_options_read_as_djangos():
    widget = forms.SelectMultiple(choices=CHOICES)
    djangos = widget.render("state", ["mc", "3"], renderer=DjangoTemplates())
    assert parse_html(widget.render("state", ["mc", "3"], renderer=ConsoleFormRenderer())) == parse_html(djangos)
    assert djangos.count(" selected") == 2


def test_other_widgets_are_left_to_their_templates():
    widget = forms.TextInput(attrs={"placeholder": "<email>"})
    assert widget.render("q", "a&b", renderer=ConsoleFormRenderer()) == widget.render(
        "q", "a&b", renderer=DjangoTemplates())


@pytest.fixture
def renderer_setting():
    """Pages rendered with the form renderer a test sets, and the console's again afterwards."""
    get_default_renderer.cache_clear()
    yield
    get_default_renderer.cache_clear()


@pytest.mark.parametrize("url", [
    reverse("admin:audit_auditevent_changelist"),
    reverse("admin:payments_item_changelist") + "?state__exact=payment_pending",
])
def test_a_list_with_select_boxes_reads_as_with_djangos_renderer(client_as, renderer_setting, url):
    client = client_as("lead")
    assert isinstance(get_default_renderer(), ConsoleFormRenderer)
    ours = client.get(url)
    get_default_renderer.cache_clear()
    with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
        djangos = client.get(url)
    assert ours.status_code == djangos.status_code == 200
    assert "<option" in ours.content.decode()
    assert parse_html(_without_tokens(ours)) == parse_html(_without_tokens(djangos))


def _without_tokens(response) -> str:
    """The page without what differs between two requests by design (the CSRF token, the CSP nonce)."""
    import re

    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'nonce="[^"]+"', "", page)
