"""Working time of the support calendar: 09:00–17:00 Sydney, Monday to Friday, NSW public holidays
off. Expected values are counted by hand from a calendar."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from opsconsole.business_calendar import (
    NAIVE_DATETIME,
    NEGATIVE_SECONDS,
    SUPPORT_CALENDAR,
    BusinessCalendar,
    add_business_seconds,
    business_seconds_between,
)

SYDNEY = ZoneInfo("Australia/Sydney")
UTC = datetime.UTC
HOUR = 3600
MINUTE = 60
WORKING_DAY = 8 * HOUR


def sydney(year, month, day, hour=0, minute=0, second=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=SYDNEY)


def worked(start, end) -> int:
    return business_seconds_between(SUPPORT_CALENDAR, start, end)


def test_a_night_does_not_count():
    # Tuesday 16:00 to Wednesday 10:00: the last hour of Tuesday and the first of Wednesday.
    assert worked(sydney(2026, 3, 3, 16), sydney(2026, 3, 4, 10)) == 2 * HOUR


def test_a_weekend_does_not_count():
    # Friday 16:30 to Monday 09:45.
    assert worked(sydney(2026, 3, 6, 16, 30), sydney(2026, 3, 9, 9, 45)) == 30 * MINUTE + 45 * MINUTE


def test_christmas_and_boxing_day_observed_do_not_count():
    # Thursday 24 December 2026 16:00 to Tuesday 29th 10:00: Christmas is a Friday, Boxing Day a
    # Saturday observed on Monday the 28th.
    assert worked(sydney(2026, 12, 24, 16), sydney(2026, 12, 29, 10)) == 2 * HOUR


def test_australia_day_does_not_count():
    # Australia Day 2027 is a Tuesday.
    assert worked(sydney(2027, 1, 25, 16), sydney(2027, 1, 27, 10)) == 2 * HOUR


def test_holidays_of_the_next_year_count_across_new_year():
    # Thursday 31 December 2026 16:00 to Monday 4 January 2027 10:00; New Year's Day is a Friday.
    assert worked(sydney(2026, 12, 31, 16), sydney(2027, 1, 4, 10)) == 2 * HOUR


def test_a_whole_year_is_its_working_days():
    # 2027 starts on a Friday: 52 weeks and a Friday make 261 weekdays, less the nine NSW public
    # holidays on weekdays: 1 Jan, 26 Jan, Good Friday 26 Mar, Easter Monday 29 Mar, ANZAC Day
    # observed 26 Apr, King's Birthday 14 Jun, Labour Day 4 Oct, and 27 and 28 Dec observed.
    assert worked(sydney(2027, 1, 1), sydney(2028, 1, 1)) == 252 * WORKING_DAY


def test_the_day_dst_starts_is_counted_in_sydney_time():
    # Friday 2 October 2026 16:00 AEST (UTC+10) to Tuesday 6th 11:00 AEDT (UTC+11), given in UTC.
    # Daylight saving starts on Sunday the 4th and Monday the 5th is Labour Day, so: 1 h + 2 h.
    # Working hours read at the Friday's offset would make Tuesday's 11:00 a 10:00.
    start = datetime.datetime(2026, 10, 2, 6, tzinfo=UTC)
    end = datetime.datetime(2026, 10, 6, 0, tzinfo=UTC)
    assert worked(start, end) == 3 * HOUR


def test_the_day_dst_ends_is_counted_in_sydney_time():
    # Friday 2 April 2027 16:00 AEDT (UTC+11) to Monday 5th 10:00 AEST (UTC+10), given in UTC.
    start = datetime.datetime(2027, 4, 2, 5, tzinfo=UTC)
    end = datetime.datetime(2027, 4, 5, 0, tzinfo=UTC)
    assert worked(start, end) == 2 * HOUR


def test_working_hours_that_span_a_dst_change_count_real_seconds():
    # A calendar open 01:00–05:00 every day: on 4 October 2026 Sydney skips 02:00–03:00, so that
    # day has three hours of work; on 4 April 2027 it repeats 02:00–03:00, so five.
    night_shift = BusinessCalendar(
        time_zone=SYDNEY,
        opens=datetime.time(1),
        closes=datetime.time(5),
        country="AU",
        subdivision="NSW",
        working_days=frozenset(range(7)),
    )
    assert business_seconds_between(night_shift, sydney(2026, 10, 4), sydney(2026, 10, 4, 12)) == 3 * HOUR
    assert business_seconds_between(night_shift, sydney(2027, 4, 4), sydney(2027, 4, 4, 12)) == 5 * HOUR


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (sydney(2026, 3, 7, 12), sydney(2026, 3, 9, 10), HOUR),  # from Saturday
        (sydney(2026, 3, 9, 7), sydney(2026, 3, 9, 10), HOUR),  # from before opening
        (sydney(2026, 3, 9, 18), sydney(2026, 3, 10, 9, 30), 30 * MINUTE),  # from after closing
        (sydney(2026, 3, 9, 16), sydney(2026, 3, 9, 21), HOUR),  # to after closing
        (sydney(2026, 3, 9, 18), sydney(2026, 3, 9, 23), 0),  # wholly in the evening
    ],
    ids=["saturday", "before-opening", "after-closing", "ends-after-closing", "evening"],
)
def test_time_outside_working_hours_does_not_count(start, end, expected):
    assert worked(start, end) == expected


def test_an_empty_or_reversed_span_is_zero():
    assert worked(sydney(2026, 3, 9, 10), sydney(2026, 3, 9, 10)) == 0
    assert worked(sydney(2026, 3, 9, 12), sydney(2026, 3, 9, 10)) == 0


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match=NAIVE_DATETIME):
        worked(datetime.datetime(2026, 3, 9, 10), sydney(2026, 3, 9, 12))


def test_adding_within_a_day():
    assert add_business_seconds(SUPPORT_CALENDAR, sydney(2026, 3, 9, 10), HOUR) == sydney(2026, 3, 9, 11)


def test_adding_to_closing_time_ends_at_closing_not_at_the_next_opening():
    assert add_business_seconds(SUPPORT_CALENDAR, sydney(2026, 3, 9, 16), HOUR) == sydney(2026, 3, 9, 17)


def test_adding_from_outside_hours_starts_at_the_next_opening():
    assert add_business_seconds(SUPPORT_CALENDAR, sydney(2026, 3, 7, 12), HOUR) == sydney(2026, 3, 9, 10)
    assert add_business_seconds(SUPPORT_CALENDAR, sydney(2026, 3, 9, 18), HOUR) == sydney(2026, 3, 10, 10)


def test_adding_across_a_holiday_and_dst_start():
    # Friday 16:00 plus 2 h: Monday 5 October 2026 is Labour Day, so Tuesday 10:00, in daylight time.
    due = add_business_seconds(SUPPORT_CALENDAR, sydney(2026, 10, 2, 16), 2 * HOUR)
    assert due == sydney(2026, 10, 6, 10)
    assert due.utcoffset() == datetime.timedelta(hours=11)


def test_adding_nothing_returns_the_start_even_outside_hours():
    saturday = sydney(2026, 3, 7, 12)
    assert add_business_seconds(SUPPORT_CALENDAR, saturday, 0) == saturday


def test_the_sum_is_in_the_time_zone_of_the_start():
    start = datetime.datetime(2026, 3, 8, 23, tzinfo=UTC)  # Monday 10:00 in Sydney
    due = add_business_seconds(SUPPORT_CALENDAR, start, HOUR)
    assert due.tzinfo is UTC
    assert due == datetime.datetime(2026, 3, 9, 0, tzinfo=UTC)


def test_adding_negative_time_is_refused():
    with pytest.raises(ValueError, match=NEGATIVE_SECONDS):
        add_business_seconds(SUPPORT_CALENDAR, sydney(2026, 3, 9, 10), -1)


STARTS = [
    sydney(2026, 3, 10, 10, 17, 23),  # an ordinary Tuesday morning
    sydney(2026, 3, 6, 16, 59, 59),  # the last second of a Friday
    sydney(2026, 12, 24, 16, 30),  # before Christmas and New Year
    sydney(2026, 10, 2, 12),  # before daylight saving and Labour Day
    datetime.datetime(2027, 1, 24, 22, tzinfo=UTC),  # Monday 09:00 in Sydney, before Australia Day
    sydney(2026, 3, 7, 12),  # outside hours: a Saturday
]
AMOUNTS = [1, 59, HOUR, WORKING_DAY - 1, WORKING_DAY, WORKING_DAY + 1, 5 * WORKING_DAY, 40 * WORKING_DAY + 17]


@pytest.mark.parametrize("start", STARTS)
def test_adding_then_measuring_gives_back_the_amount_at_its_earliest_moment(start):
    for seconds in AMOUNTS:
        due = add_business_seconds(SUPPORT_CALENDAR, start, seconds)
        assert worked(start, due) == seconds, seconds
        # The earliest such moment: a second before, a second of work is still to do.
        assert worked(start, due - datetime.timedelta(seconds=1)) == seconds - 1, seconds
