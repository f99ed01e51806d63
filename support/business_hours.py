"""Working time of the support team: the hours its SLA clocks run in.

The team works 09:00–17:00 Sydney time, Monday to Friday, except New South Wales public holidays
(https://www.nsw.gov.au/about-nsw/public-holidays). `holidays`' default category for AU/NSW is the
public holidays only, so the NSW Bank Holiday in August, a day off for banks alone, stays a working
day. Christmas Eve and New Year's Eve evenings (part-day holidays) are ignored: the team is in until
17:00.

Pure functions, no database. Every datetime taken or returned is aware; any time zone will do, the
calendar's own decides where a day begins and which hours are working hours.
"""

import datetime
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

import holidays

NAIVE_DATETIME = "Business time needs aware datetimes; got a naive one."
NEGATIVE_SECONDS = "Business seconds to add must be zero or more."
EMPTY_WORKING_DAY = "A working day must close after it opens, on the same day."
NO_WORKING_DAYS = "A calendar needs at least one working weekday."

ONE_DAY = datetime.timedelta(days=1)
ONE_SECOND = datetime.timedelta(seconds=1)


@dataclass(frozen=True)
class BusinessCalendar:
    """When work happens: `opens`–`closes` local time on `working_days` (Monday is 0) in
    `time_zone`, except the public holidays of `country`/`subdivision` in the `holidays` package.
    A working day lies within one calendar day; there are no overnight shifts."""

    time_zone: ZoneInfo
    opens: datetime.time
    closes: datetime.time
    country: str
    subdivision: str | None = None
    working_days: frozenset[int] = field(default=frozenset(range(5)))

    def __post_init__(self):
        if self.opens >= self.closes:
            raise ValueError(EMPTY_WORKING_DAY)
        if not self.working_days & set(range(7)):
            raise ValueError(NO_WORKING_DAYS)

    @property
    def working_day_length(self) -> datetime.timedelta:
        """The working time of an ordinary working day (8 h for 09:00–17:00): one "business day"."""
        today = datetime.date.min
        return datetime.datetime.combine(today, self.closes) - datetime.datetime.combine(today, self.opens)

    def is_working_day(self, day: datetime.date) -> bool:
        return day.weekday() in self.working_days and day not in _holiday_dates(
            self.country, self.subdivision, day.year
        )

    def working_hours_on(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The opening and closing instants of local `day` in UTC, or None when it is not a working
        day. UTC because subtracting two datetimes that share a ZoneInfo compares wall clocks and
        would count the hour a DST change adds or removes wrongly."""
        if not self.is_working_day(day):
            return None
        return (_utc_at(day, self.opens, self.time_zone), _utc_at(day, self.closes, self.time_zone))


SUPPORT_CALENDAR = BusinessCalendar(
    time_zone=ZoneInfo("Australia/Sydney"),
    opens=datetime.time(9, 0),
    closes=datetime.time(17, 0),
    country="AU",
    subdivision="NSW",
)


def business_seconds_between(calendar: BusinessCalendar, start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole seconds of working time in [start, end); 0 when start >= end. Walks the span a day at
    a time, so a span of years costs a few thousand steps."""
    start, end = _as_utc(start), _as_utc(end)
    worked = datetime.timedelta()
    for opens, closes in _working_hours_from(calendar, start):
        if opens >= end:
            break
        worked += max(min(closes, end) - max(opens, start), datetime.timedelta())
    return worked // ONE_SECOND


def add_business_seconds(calendar: BusinessCalendar, start: datetime.datetime, seconds: int) -> datetime.datetime:
    """The earliest moment at which `seconds` of working time have passed since `start`: from
    outside working hours the count begins at the next opening, and a count that ends exactly at
    closing time returns the closing time, not the next opening. `seconds == 0` returns `start`.
    The result is in `start`'s time zone."""
    if seconds < 0:
        raise ValueError(NEGATIVE_SECONDS)
    if seconds == 0:
        return _as_utc(start).astimezone(start.tzinfo)
    remaining = datetime.timedelta(seconds=seconds)
    start_utc = _as_utc(start)
    for opens, closes in _working_hours_from(calendar, start_utc):
        begins = max(opens, start_utc)
        if begins >= closes:
            continue
        if remaining <= closes - begins:
            return (begins + remaining).astimezone(start.tzinfo)
        remaining -= closes - begins
    raise AssertionError("unreachable: working days never run out")  # pragma: no cover


def _working_hours_from(calendar: BusinessCalendar, start_utc: datetime.datetime):
    """Opening and closing instants (UTC) of every working day from the local day of `start_utc`
    on, without end: callers stop when they have what they need."""
    day = start_utc.astimezone(calendar.time_zone).date()
    while True:
        hours = calendar.working_hours_on(day)
        if hours is not None:
            yield hours
        day += ONE_DAY


def _as_utc(moment: datetime.datetime) -> datetime.datetime:
    if moment.utcoffset() is None:
        raise ValueError(NAIVE_DATETIME)
    return moment.astimezone(datetime.UTC)


def _utc_at(day: datetime.date, wall_time: datetime.time, time_zone: ZoneInfo) -> datetime.datetime:
    # A wall time that a DST change skips or repeats resolves with fold=0 (PEP 495): the offset
    # in force before the change. Sydney changes at 02:00–03:00, outside working hours.
    return datetime.datetime.combine(day, wall_time, tzinfo=time_zone).astimezone(datetime.UTC)


@cache
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[datetime.date]:
    # One frozen set a year, built once: a shared `holidays` object fills in years lazily as it is
    # asked, which mutates it under concurrent readers, and any year may be asked for.
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))
