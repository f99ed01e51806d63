"""The company's business calendars: which days work happens, when on those days, and the
arithmetic of business time over them.

One calendar is a time zone (where a day begins), the weekdays worked and the public holidays of a
country and subdivision in the `holidays` package. On top of it the support team keeps working
hours (its SLA clocks run in them) and each bank network a daily cut-off (a batch after it waits
for the next business day).

- The support team works 09:00–17:00 Sydney time, Monday to Friday, except New South Wales public
  holidays (https://www.nsw.gov.au/about-nsw/public-holidays). `holidays`' default category for
  AU/NSW is the public holidays only, so the NSW Bank Holiday in August, a day off for banks alone,
  stays a working day. Christmas Eve and New Year's Eve evenings (part-day holidays) are ignored:
  the team is in until 17:00.
- BECS direct entry settles on Reserve Bank of Australia business days: weekdays except national
  and New South Wales public holidays (RITS follows Sydney's calendar,
  https://www.rba.gov.au/payments-and-infrastructure/rits/). ACH follows the Federal Reserve's
  holidays, which are the US federal holidays (https://www.frbservices.org/about/holiday-schedules).
  The cut-offs are those of our sponsor banks: 16:00 local time for both networks.

Pure functions and frozen values, no database; safe to share between threads. Every datetime
taken is aware; any time zone will do, the calendar's own decides where a day begins and which
hours are working hours.
"""

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

NAIVE_DATETIME = "Business time needs aware datetimes; got a naive one."
NEGATIVE_SECONDS = "Business seconds to add must be zero or more."
EMPTY_WORKING_DAY = "A working day must close after it opens, on the same day."
NO_WORKING_DAYS = "A calendar needs at least one working weekday."

ONE_DAY = datetime.timedelta(days=1)
ONE_SECOND = datetime.timedelta(seconds=1)
MONDAY_TO_FRIDAY = frozenset(range(5))
# The years `BusinessDays.holidays` lists; any other year is read when a day in it is asked about.
LISTED_HOLIDAY_YEARS = range(2020, 2036)


@dataclass(frozen=True, kw_only=True)
class BusinessDays:
    """The days work happens: `working_days` (Monday is 0) in `time_zone`, except the public
    holidays of `country`/`subdivision` in the `holidays` package."""

    time_zone: ZoneInfo
    country: str
    subdivision: str | None = None
    working_days: frozenset[int] = field(default=MONDAY_TO_FRIDAY)

    def __post_init__(self):
        if not self.working_days & set(range(7)):
            raise ValueError(NO_WORKING_DAYS)

    @property
    def holidays(self) -> Mapping[datetime.date, str]:
        """The holidays of the years 2020–2035, by date, with their names."""
        return _holidays_of_years(self.country, self.subdivision, LISTED_HOLIDAY_YEARS)

    def holiday_name(self, day: datetime.date) -> str | None:
        """The holiday's name (names joined by "; " when several fall together), or None."""
        return _holidays_of_year(self.country, self.subdivision, day.year).get(day)

    def is_business_day(self, day: datetime.date) -> bool:
        return day.weekday() in self.working_days and day not in _holidays_of_year(
            self.country, self.subdivision, day.year
        )

    def next_business_day(self, day: datetime.date) -> datetime.date:
        """The first business day strictly after `day`."""
        day += ONE_DAY
        while not self.is_business_day(day):
            day += ONE_DAY
        return day

    def previous_business_day(self, day: datetime.date) -> datetime.date:
        """The last business day strictly before `day`."""
        day -= ONE_DAY
        while not self.is_business_day(day):
            day -= ONE_DAY
        return day

    def business_days_after(self, day: datetime.date, count: int) -> datetime.date:
        """The `count`-th business day after `day` (`day` itself when `count` is 0)."""
        for _ in range(count):
            day = self.next_business_day(day)
        return day

    def end_of(self, day: datetime.date) -> datetime.datetime:
        """The first instant after `day`, in the calendar's zone: a deadline "by the end of" it."""
        return datetime.datetime.combine(day + ONE_DAY, datetime.time(0), tzinfo=self.time_zone)

    def next_holiday_on_weekday(self, after: datetime.date) -> datetime.date:
        """The first holiday on or after `after` that falls on a weekday (a day the calendar is shut
        that would otherwise be open), looked for over three years."""
        for year in range(after.year, after.year + 3):
            for day in sorted(_holidays_of_year(self.country, self.subdivision, year)):
                if day >= after and day.weekday() < 5:
                    return day
        raise LookupError(f"No weekday holiday in the {self.country} calendar after {after}.")


@dataclass(frozen=True, kw_only=True)
class BusinessCalendar(BusinessDays):
    """Business days worked `opens`–`closes` local time. A working day lies within one calendar
    day; there are no overnight shifts."""

    opens: datetime.time
    closes: datetime.time

    def __post_init__(self):
        super().__post_init__()
        if self.opens >= self.closes:
            raise ValueError(EMPTY_WORKING_DAY)

    @property
    def working_day_length(self) -> datetime.timedelta:
        """The working time of an ordinary working day (8 h for 09:00–17:00): one "business day"."""
        today = datetime.date.min
        return datetime.datetime.combine(today, self.closes) - datetime.datetime.combine(today, self.opens)

    def working_hours_on(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The opening and closing instants of local `day` in UTC, or None when it is not a business
        day. UTC because subtracting two datetimes that share a ZoneInfo compares wall clocks and
        would count the hour a DST change adds or removes wrongly."""
        return _working_hours_on(self, day)


@dataclass(frozen=True, kw_only=True)
class NetworkCalendar(BusinessDays):
    """A bank network's business days and the sponsor bank's daily cut-off. `network` is the
    network's code as `batches.models.Network` stores it."""

    network: str
    cutoff: datetime.time
    # Business days after the processing day before a direct debit's funds are treated as cleared.
    debit_clearing_business_days: int

    def cutoff_on(self, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, self.cutoff, tzinfo=self.time_zone)


SUPPORT_CALENDAR = BusinessCalendar(
    time_zone=ZoneInfo("Australia/Sydney"),
    opens=datetime.time(9, 0),
    closes=datetime.time(17, 0),
    country="AU",
    subdivision="NSW",
)

# BECS dishonours arrive within three business days (AusPayNet BECS Procedures, part B), ACH
# returns for most reasons within two banking days (NACHA Operating Rules, Article Three).
NETWORK_CALENDARS = {
    calendar.network: calendar
    for calendar in (
        NetworkCalendar(network="becs", time_zone=ZoneInfo("Australia/Sydney"), country="AU", subdivision="NSW",
                        cutoff=datetime.time(16, 0), debit_clearing_business_days=3),
        NetworkCalendar(network="ach", time_zone=ZoneInfo("America/New_York"), country="US",
                        cutoff=datetime.time(16, 0), debit_clearing_business_days=2),
    )
}


def calendar_for(network: str) -> NetworkCalendar:
    """The calendar of a `batches.models.Network`."""
    return NETWORK_CALENDARS[network]


def network_for(currency: str) -> str:
    """The network a payment in `currency` moves through: ACH for US dollars, BECS otherwise."""
    return "ach" if currency == "USD" else "becs"


def business_seconds_between(calendar: BusinessCalendar, start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole seconds of working time in [start, end); 0 when start >= end."""
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


def _working_hours_from(
    calendar: BusinessCalendar, start_utc: datetime.datetime
) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    """Opening and closing instants (UTC) of every working day from the local day of `start_utc`
    on, without end: callers stop when they have what they need."""
    day = start_utc.astimezone(calendar.time_zone).date()
    while True:
        hours = calendar.working_hours_on(day)
        if hours is not None:
            yield hours
        day += ONE_DAY


# SLA clocks walk their span a day at a time, and the clocks of a page or a refresh cover much the
# same days: a day's hours are worked out once. Bounded, as any day may be asked about; 4,096 days
# hold more than ten years of one calendar.
@lru_cache(maxsize=4096)
def _working_hours_on(
    calendar: BusinessCalendar, day: datetime.date
) -> tuple[datetime.datetime, datetime.datetime] | None:
    if not calendar.is_business_day(day):
        return None
    return (_utc_at(day, calendar.opens, calendar.time_zone), _utc_at(day, calendar.closes, calendar.time_zone))


def _as_utc(moment: datetime.datetime) -> datetime.datetime:
    if moment.utcoffset() is None:
        raise ValueError(NAIVE_DATETIME)
    return moment.astimezone(datetime.UTC)


def _utc_at(day: datetime.date, wall_time: datetime.time, time_zone: ZoneInfo) -> datetime.datetime:
    # A wall time that a DST change skips or repeats resolves with fold=0 (PEP 495): the offset
    # in force before the change. Sydney changes at 02:00–03:00, outside working hours.
    return datetime.datetime.combine(day, wall_time, tzinfo=time_zone).astimezone(datetime.UTC)


# Each year's holidays are read once into a read-only mapping: a shared `holidays` object fills
# in years lazily as it is asked, which mutates it under concurrent readers. `functools.cache` on
# these pure functions is safe to share between threads.
@cache
def _holidays_of_year(country: str, subdivision: str | None, year: int) -> Mapping[datetime.date, str]:
    return MappingProxyType(dict(holidays.country_holidays(country, subdiv=subdivision, years=year)))


@cache
def _holidays_of_years(country: str, subdivision: str | None, years: range) -> Mapping[datetime.date, str]:
    by_date = {}
    for year in years:
        by_date.update(_holidays_of_year(country, subdivision, year))
    return MappingProxyType(by_date)
