"""Each page loads the scripts it uses: chart.js only where a chart is drawn, the scripts of
prepopulated fields only where a field is filled from another, and unfold's own scripts deferred
so none holds up reading the page."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import make_customer
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db

CHART_JS = "unfold/js/chart/chart.js"
PREPOPULATE_SCRIPTS = ("admin/js/urlify.js", "admin/js/prepopulate.js", "admin/js/vendor/xregexp/")
UNFOLD_SCRIPTS = ("unfold/js/app.js", "unfold/js/htmx/htmx.js", "unfold/js/alpine/alpine.js",
                  "unfold/js/simplebar/simplebar.js")


def script_tags(html: str) -> dict[str, str]:
    """Each script the page loads, by its source, with its whole tag."""
    return {match.group(1): match.group(0) for match in re.finditer(r'<script src="([^"]+)"[^>]*>', html)}


def sources_containing(html: str, *parts: str) -> list[str]:
    return [source for source in script_tags(html) if any(part in source for part in parts)]


def test_a_list_page_loads_neither_chart_js_nor_the_prepopulated_fields_scripts(client_as):
    make_customer()
    html = client_as("lead").get("/accounts/customer/").content.decode()
    assert 'id="result_list"' in html
    assert sources_containing(html, CHART_JS) == []
    assert sources_containing(html, *PREPOPULATE_SCRIPTS) == []
    # What the list does use is still there: the actions' select-all, the date pickers of its filters.
    assert sources_containing(html, "admin/js/actions.js", "admin/js/calendar.js")


def test_unfold_scripts_are_deferred_and_app_js_comes_before_alpine(client_as):
    html = client_as("lead").get("/accounts/customer/").content.decode()
    tags = script_tags(html)
    for script in UNFOLD_SCRIPTS:
        [source] = sources_containing(html, script)
        assert " defer" in tags[source], tags[source]
    # Deferred scripts run in document order, and Alpine starts its components (defined by app.js)
    # as soon as alpine.js has run.
    order = list(tags)
    [app, alpine] = (sources_containing(html, script)[0] for script in ("unfold/js/app.js", "alpine/alpine.js"))
    assert order.index(app) < order.index(alpine)


def test_the_dashboard_draws_no_chart_and_loads_no_chart_js(client_as):
    html = client_as("lead").get("/").content.decode()
    assert 'id="ops-dashboard"' in html and "<canvas" not in html
    assert sources_containing(html, CHART_JS) == []


def test_a_page_that_draws_a_chart_loads_chart_js(client_as):
    new_ticket()  # the reports chart the tickets of each week
    html = client_as("lead").get(reverse("support-reports")).content.decode()
    assert '<canvas class="chart"' in html
    [chart_js] = sources_containing(html, CHART_JS)
    assert " defer" in script_tags(html)[chart_js]


def test_a_form_with_a_prepopulated_field_still_loads_its_scripts(client_as):
    html = client_as("engineer").get(reverse("admin:support_article_add")).content.decode()
    assert 'id="id_slug"' in html
    assert len(sources_containing(html, *PREPOPULATE_SCRIPTS)) == len(PREPOPULATE_SCRIPTS)


def test_every_screen_leaves_the_prepopulated_fields_scripts_to_screens_that_have_such_fields():
    for model in registered_models():
        model_admin = admin.site.get_model_admin(model)
        rendered = str(model_admin.media)
        loads_them = any(script in rendered for script in PREPOPULATE_SCRIPTS)
        assert loads_them == bool(model_admin.prepopulated_fields), model._meta.label


def registered_models() -> list:
    return [model for model in apps.get_models() if admin.site.is_registered(model)]
