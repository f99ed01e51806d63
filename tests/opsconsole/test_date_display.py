"""A page's dates and times read exactly as Django's `localize` reads them, in every format,
language and time zone, however many of them share a day or a minute."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import formats, timezone, translation

from opsconsole.date_display import DayDisplay, MomentDisplay

LONDON = ZoneInfo("Europe/London")
# Every specifier Django's date formats know, with escaped letters and literal text around them.
EVERY_SPECIFIER = r"a A b c d D e E f F g G h H i I j l L m M n N o O P r s S t T u U w W y Y z Z \\\a\t \o\n"


def moments() -> list[datetime.datetime]:
    """Midnight, noon, the minutes either side, a day's last microsecond, leap day, and the
    hours around London's clock changes, in UTC; some share a day or a minute."""
    days = [datetime.date(2024, 2, 29), datetime.date(2026, 3, 29), datetime.date(2026, 10, 25),
            datetime.date(2026, 12, 31), datetime.date(2027, 1, 1)]
    times = [datetime.time(0, 0), datetime.time(0, 1), datetime.time(0, 59, 59), datetime.time(1, 0),
             datetime.time(1, 30, 15, 250), datetime.time(11, 59), datetime.time(12, 0), datetime.time(12, 1),
             datetime.time(13, 5, 7), datetime.time(23, 59, 59, 999999)]
    return [datetime.datetime.combine(day, time, tzinfo=datetime.UTC) for day in days for time in times]


def localized(moment: datetime.datetime) -> str:
    return formats.localize(timezone.template_localtime(moment))


@pytest.mark.parametrize("language", ["en-gb", "en", "de", "fr"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "Australia/Sydney"])
def test_moments_read_as_django_localizes_them(settings, language, zone):
    settings.TIME_ZONE = zone
    with translation.override(language), timezone.override(zone):
        display = MomentDisplay()
        # Twice: the second time from what the first kept.
        for moment in moments() + moments():
            assert display(moment) == localized(moment), moment


@override_settings(DATETIME_FORMAT=EVERY_SPECIFIER)
def test_every_format_specifier_reads_as_django_formats_it():
    with translation.override(None), timezone.override(LONDON):
        display = MomentDisplay()
        for moment in moments() + moments():
            assert display(moment) == localized(moment), moment


def test_a_moment_without_a_zone_is_shown_as_it_is():
    naive = datetime.datetime(2026, 3, 5, 14, 30)
    with translation.override("en-gb"), override_settings(USE_TZ=False):
        assert MomentDisplay()(naive) == formats.localize(naive) == "5 Mar 2026, 2:30 p.m. UTC"


def test_days_read_as_django_localizes_them():
    display = DayDisplay()
    with translation.override("en-gb"):
        for day in [datetime.date(2026, 3, 5), datetime.date(2024, 2, 29), datetime.date(2026, 3, 5)]:
            assert display(day) == formats.localize(day)
