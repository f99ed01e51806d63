"""Business days and cut-offs of the bank networks the batches go through.

BECS direct entry settles on Reserve Bank of Australia business days: weekdays except national
and New South Wales public holidays (RITS follows Sydney's calendar,
https://www.rba.gov.au/payments-and-infrastructure/rits/). ACH follows the Federal Reserve's
holidays, which are the US federal holidays (https://www.frbservices.org/about/holiday-schedules).
The cut-offs are those of our sponsor banks: 16:00 local time for both networks.
"""

import datetime
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from batches.models import Network


@dataclass(frozen=True)
class NetworkCalendar:
    network: str
    time_zone: ZoneInfo
    cutoff: datetime.time
    country: str
    subdivision: str | None

    @property
    def holidays(self) -> holidays.HolidayBase:
        return _holidays(self.country, self.subdivision)

    def holiday_name(self, day: datetime.date) -> str | None:
        return self.holidays.get(day)

    def is_business_day(self, day: datetime.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def next_business_day(self, day: datetime.date) -> datetime.date:
        """The first business day strictly after `day`."""
        day += datetime.timedelta(days=1)
        while not self.is_business_day(day):
            day += datetime.timedelta(days=1)
        return day

    def previous_business_day(self, day: datetime.date) -> datetime.date:
        day -= datetime.timedelta(days=1)
        while not self.is_business_day(day):
            day -= datetime.timedelta(days=1)
        return day

    def cutoff_on(self, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, self.cutoff, tzinfo=self.time_zone)

    def end_of(self, day: datetime.date) -> datetime.datetime:
        """The first instant after `day`, in the network's zone: a deadline "by the end of" it."""
        return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=self.time_zone)

    def next_holiday_on_weekday(self, after: datetime.date) -> datetime.date:
        """The first holiday on or after `after` that falls on a weekday (a day the bank is shut
        that would otherwise be open)."""
        for years_ahead in range(3):
            for day in sorted(_holidays(self.country, self.subdivision, after.year + years_ahead)):
                if day >= after and day.weekday() < 5:
                    return day
        raise LookupError(f"No weekday holiday in the {self.network} calendar after {after}.")


@cache
def _holidays(country: str, subdivision: str | None, year: int | None = None) -> holidays.HolidayBase:
    years = [year] if year else range(2020, 2036)
    return holidays.country_holidays(country, subdiv=subdivision, years=years)


CALENDARS = {
    Network.BECS: NetworkCalendar(Network.BECS, ZoneInfo("Australia/Sydney"), datetime.time(16, 0), "AU", "NSW"),
    Network.ACH: NetworkCalendar(Network.ACH, ZoneInfo("America/New_York"), datetime.time(16, 0), "US", None),
}


def calendar_for(network: str) -> NetworkCalendar:
    return CALENDARS[network]


def network_for(currency: str) -> str:
    """The network a payment in `currency` moves through."""
    return Network.ACH if currency == "USD" else Network.BECS


# Business days after the processing day before a direct debit's funds are treated as cleared:
# BECS dishonours arrive within three business days (AusPayNet BECS Procedures, part B), ACH
# returns for most reasons within two banking days (NACHA Operating Rules, Article Three).
DEBIT_CLEARING_BUSINESS_DAYS = {Network.BECS: 3, Network.ACH: 2}


def business_days_after(calendar: NetworkCalendar, day: datetime.date, count: int) -> datetime.date:
    for _ in range(count):
        day = calendar.next_business_day(day)
    return day
