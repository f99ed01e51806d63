"""The rows of a large list (opsconsole/list_table.py) show what unfold's own list shows, cell for
cell, on every list read a page at a time, in compact markup; its moments read as Django localizes
them, in the console's zone and in UTC on hover, however many share a minute."""

import datetime
import html
import re
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.test import override_settings
from django.urls import reverse
from django.utils import dateformat, formats, timezone, translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django.asserts import assertHTMLEqual
from unfold.templatetags.unfold_list import items_for_result

from audit.models import AuditEvent
from audit.services.recording import record_event
from opsconsole.keyset_pagination import KeysetListMixin
from opsconsole.list_table import Days, ListTable, Moments, date_and_time_parts
from tests.admin_models import registered_admins

LARGE_LISTS = sorted(
    (f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
     for model, model_admin in registered_admins() if isinstance(model_admin, KeysetListMixin)),
)
LONDON = ZoneInfo("Europe/London")
# Every specifier Django's date formats know, with escaped letters and literal text around them.
EVERY_SPECIFIER = r"a A b c d D e E f F g G h H i I j l L m M n N o O P r s S t T u U w W y Y z Z \\\a\t \o\n"


class CellReader(HTMLParser):
    """The cells of a row as a person reads them: each cell's words and the links it holds."""

    def __init__(self):
        super().__init__()
        self.cells: list[tuple[str, tuple[str, ...]]] = []
        self.words: list[str] | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self.words, self.links = [], []
        elif tag == "a" and self.words is not None:
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.cells.append((" ".join(" ".join(self.words).split()), tuple(self.links)))
            self.words = None

    def handle_data(self, data):
        if self.words is not None:
            self.words.append(data)


def cells(markup: str) -> list[tuple[str, tuple[str, ...]]]:
    reader = CellReader()
    reader.feed(markup)
    return reader.cells


@pytest.fixture
def some_of_everything(payments_world, staff):
    """Rows on every list, some with empty columns (a hold not released, an unpaid disbursement)."""
    record_event(AuditEvent.Action.LOGIN_FAILED, outcome=AuditEvent.Outcome.FAILURE, actor_name="mallory",
                 ip_address="203.0.113.9")
    record_event(AuditEvent.Action.TASK_REQUESTED, actor=staff["lead"], target=payments_world.item,
                 high_risk=True, summary="Refund <b>requested</b> & approved")
    return payments_world


@pytest.mark.parametrize("person", ["lead", "engineer", "auditor"])
def test_each_row_shows_what_unfolds_list_shows(client_as, some_of_everything, person):
    client = client_as(person)
    rows_compared = 0
    for changelist in LARGE_LISTS:
        response = client.get(reverse(changelist))
        if response.status_code == 403:
            continue  # not theirs to view
        cl = response.context["cl"]
        table = ListTable(cl)
        for result in cl.result_list:
            ours, unfolds = table.row(result), "".join(items_for_result(cl, result, None))
            assert cells(ours) == cells(unfolds), (changelist, result.pk)
            assert ours in response.content.decode(), (changelist, result.pk)
            rows_compared += 1
    assert rows_compared > 10


def test_the_rows_are_on_the_page(client_as, some_of_everything):
    response = client_as("lead").get(reverse("admin:payments_item_changelist"))
    page = response.content.decode()
    cl = response.context["cl"]
    assert cl.result_list
    for result in cl.result_list:
        assert f'href="{reverse("admin:payments_item_change", args=[result.pk])}"' in page
        assert f'<input type="checkbox" name="_selected_action" value="{result.pk}" class="action-select"' in page
    assert page.count('class="action-select"') == len(cl.result_list)
    assert 'id="action-toggle" class="action-toggle"' in page


def test_the_column_list_display_links_names_links_each_record(client_as, some_of_everything):
    """The audit trail links each event from its `when` column, not from the first column."""
    response = client_as("auditor").get(reverse("admin:audit_auditevent_changelist"))
    page = response.content.decode()
    for event in response.context["cl"].result_list:
        url = reverse("admin:audit_auditevent_change", args=[event.pk])
        assert re.search(rf'<tr><th class="nowrap"><a href="{url}"><time title="[^"]+ UTC">', page), event.pk


def test_markup_in_values_is_shown_as_text(client_as, some_of_everything):
    page = client_as("auditor").get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert "Refund &lt;b&gt;requested&lt;/b&gt; &amp; approved" in page


# --- Moments and days ------------------------------------------------------------------------------

def moments() -> list[datetime.datetime]:
    """Midnight, noon, the minutes either side, a day's last microsecond, leap day, and the
    hours around London's clock changes, in UTC; some share a day or a minute."""
    days = [datetime.date(2024, 2, 29), datetime.date(2026, 3, 29), datetime.date(2026, 10, 25),
            datetime.date(2026, 12, 31), datetime.date(2027, 1, 1)]
    times = [datetime.time(0, 0), datetime.time(0, 0, 30), datetime.time(0, 1), datetime.time(0, 59, 59),
             datetime.time(1, 0), datetime.time(1, 30, 15, 250), datetime.time(1, 30, 45), datetime.time(11, 59),
             datetime.time(12, 0), datetime.time(12, 1), datetime.time(13, 5, 7), datetime.time(23, 59, 59, 999999)]
    return [datetime.datetime.combine(day, time, tzinfo=datetime.UTC) for day in days for time in times]


def localized(moment: datetime.datetime) -> str:
    return formats.localize(timezone.template_localtime(moment))


def shown_as(moment: datetime.datetime) -> str:
    """How a list marks up `moment`: as Django localizes it, with its UTC minute on hover."""
    return f'<time title="{moment.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC">{localized(moment)}</time>'


@pytest.mark.parametrize("language", ["en-gb", "en", "de", "fr"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "Australia/Sydney"])
def test_moments_read_as_django_localizes_them(settings, language, zone):
    settings.TIME_ZONE = zone
    with translation.override(language), timezone.override(zone):
        display = Moments()
        # Twice: the second time from what the first kept.
        for moment in moments() + moments():
            assert display(moment) == shown_as(moment), moment


@override_settings(DATETIME_FORMAT=EVERY_SPECIFIER)
def test_every_format_specifier_reads_as_django_formats_it():
    with translation.override(None), timezone.override(LONDON):
        display = Moments()
        for moment in moments() + moments():
            assert display(moment) == shown_as(moment), moment


# A date format written as people write them: date specifiers and literals, then time specifiers
# and literals; or any mix, which the list must still show as Django does. The specifiers as
# Django documents them: reading the date, or the time of day and the zone.
DATE_READING, TIME_READING = "bdDEFjlLmMnNoStwWyYz", "aAefgGhHiIOPsTuZ"
literals = st.sampled_from(list(" ,.:/-xk&<"))
date_formats = st.lists(st.one_of(st.sampled_from(DATE_READING), literals), max_size=6).map("".join)
time_formats = st.lists(st.one_of(st.sampled_from(TIME_READING), literals), max_size=6).map("".join)
any_formats = st.lists(st.one_of(st.sampled_from(DATE_READING + TIME_READING + "crU\\"), literals),
                       max_size=8).map("".join)
# Days on which one of the zones below changes its clocks, so that one local day holds two offsets.
CLOCK_CHANGES = [datetime.date(2026, 3, 8), datetime.date(2026, 3, 29), datetime.date(2026, 4, 5),
                 datetime.date(2026, 10, 4), datetime.date(2026, 10, 25), datetime.date(2026, 11, 1)]
instants = st.one_of(
    st.datetimes(min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2060, 1, 1),
                 timezones=st.just(datetime.UTC)),
    st.builds(lambda day, minute: datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
              + datetime.timedelta(minutes=minute), st.sampled_from(CLOCK_CHANGES), st.integers(-720, 2160)),
)
zones = st.sampled_from(["UTC", "Europe/London", "Australia/Sydney", "America/New_York", "Asia/Kolkata"])


@hypothesis_settings(deadline=None)
@given(format_string=st.one_of(st.tuples(date_formats, time_formats).map("".join), any_formats),
       batch=st.lists(instants, min_size=1, max_size=12), zone=zones)
def test_any_format_shows_any_moments_as_django_formats_them(format_string, batch, zone):
    # Without a language, the format is the setting's: a language's own format would win over it.
    with translation.override(None), timezone.override(zone), override_settings(DATETIME_FORMAT=format_string):
        display = Moments()
        for moment in batch + batch:
            shown = html.escape(dateformat.format(timezone.localtime(moment), format_string))
            assert display(moment) == f'<time title="{moment:%Y-%m-%d %H:%M} UTC">{shown}</time>', moment


@given(date_part=date_formats, time_part=time_formats)
def test_a_date_then_a_time_is_cut_where_the_time_begins(date_part, time_part):
    parts = date_and_time_parts(date_part + time_part)
    assert parts is not None and "".join(parts) == date_part + time_part
    assert not set(parts[0]) & set(TIME_READING) and not set(parts[1]) & set(DATE_READING)


def test_a_format_that_mixes_date_and_time_is_not_cut():
    assert date_and_time_parts("P, j M Y") is None
    assert date_and_time_parts("c") is None
    assert date_and_time_parts(r"j M Y \a\t P") is None
    assert date_and_time_parts("j M Y, P T") == ("j M Y, ", "P T")


def test_a_moment_without_a_zone_is_shown_as_it_is():
    naive = datetime.datetime(2026, 3, 5, 14, 30)
    with translation.override("en-gb"), override_settings(USE_TZ=False):
        assert Moments()(naive) == formats.localize(naive) == "5 Mar 2026, 2:30 p.m. UTC"


def test_days_read_as_django_localizes_them():
    display = Days()
    with translation.override("en-gb"):
        for day in [datetime.date(2026, 3, 5), datetime.date(2024, 2, 29), datetime.date(2026, 3, 5)]:
            assert display(day) == formats.localize(day)


# The header row as the list's template wrote it before the view drew it (ListTable.header_row).
HEADER_ROW_TEMPLATE = """
{% load i18n %}{% spaceless %}
<tr>
{% for header in table.headers %}
{% if header.checkbox %}
<th scope="col" class="action-checkbox-column"><input type="checkbox" id="action-toggle" class="action-toggle"
aria-label="{% translate 'Select all objects on this page for an action' %}"></th>
{% elif header.sortable %}
<th scope="col"{{ header.class_attrib }}>
<a href="{{ header.url_primary }}">{{ header.text|capfirst }}</a>
{% if header.sort_priority > 0 %}
<a href="{{ header.url_toggle }}" class="sort-toggle" title="{% translate 'Toggle sorting' %}">
{% if header.ascending %}arrow_circle_down{% else %}arrow_circle_up{% endif %}</a>
<a href="{{ header.url_remove }}" class="sort-remove" title="{% translate 'Remove from sorting' %}">cancel</a>
{% endif %}
</th>
{% else %}
<th scope="col"{{ header.class_attrib }}>{{ header.text|capfirst }}</th>
{% endif %}
{% endfor %}
</tr>
{% endspaceless %}
"""


@pytest.mark.parametrize("person", ["lead", "auditor"])
def test_the_header_row_is_the_one_the_template_wrote(client_as, some_of_everything, person):
    client = client_as(person)
    columns = client.get(reverse("admin:payments_item_changelist")).context["cl"].list_display
    sorted_by_state = str(list(columns).index("state_changed_at"))
    pages = [(changelist, {}) for changelist in LARGE_LISTS]
    pages += [("admin:payments_item_changelist", {"o": sorted_by_state}),
              ("admin:payments_item_changelist", {"o": f"-{sorted_by_state}"})]
    compared = 0
    for changelist, query in pages:
        response = client.get(reverse(changelist), query)
        if response.status_code == 403:
            continue
        table = ListTable(response.context["cl"])
        expected = engines["django"].from_string(HEADER_ROW_TEMPLATE).render({"table": table})
        assertHTMLEqual(table.header_row, expected)
        if table.cl.result_list:  # a list with no rows draws no table
            assert table.header_row in response.content.decode()
            compared += 1
    assert compared > 5
