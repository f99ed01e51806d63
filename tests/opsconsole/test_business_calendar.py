"""The one business calendar the networks and the support team share: its network calendars match
the batches' networks, and its holidays are read-only values any thread may read."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest

from batches.models import Network
from opsconsole.business_calendar import NETWORK_CALENDARS, SUPPORT_CALENDAR, calendar_for, network_for

DAYS_2025_TO_2027 = [datetime.date(2025, 1, 1) + datetime.timedelta(days=n) for n in range(3 * 365)]


def test_every_network_has_its_calendar_and_every_currency_a_network():
    assert set(NETWORK_CALENDARS) == set(Network.values)
    assert all(calendar_for(network).network == network for network in Network.values)
    assert network_for("USD") == Network.ACH
    assert network_for("AUD") == Network.BECS


def test_the_support_team_works_becs_business_days():
    # Both follow Sydney's public holidays; the NSW Bank Holiday (a day off for banks alone) is not
    # among them, so a BECS batch and a support clock agree on which days count.
    becs = calendar_for(Network.BECS)
    assert [SUPPORT_CALENDAR.is_business_day(day) for day in DAYS_2025_TO_2027] == [
        becs.is_business_day(day) for day in DAYS_2025_TO_2027
    ]
    assert not becs.is_business_day(datetime.date(2026, 12, 25))
    assert becs.is_business_day(datetime.date(2026, 8, 3))  # NSW Bank Holiday


def test_holidays_cannot_be_changed_by_a_reader():
    with pytest.raises(TypeError):
        calendar_for(Network.ACH).holidays[datetime.date(2026, 3, 9)] = "A day off"
    assert calendar_for(Network.ACH).holiday_name(datetime.date(2026, 3, 9)) is None


def test_threads_reading_years_for_the_first_time_see_the_same_days():
    # Years outside the listed ones are read when first asked about, by whichever thread asks.
    days = [datetime.date(2040 + n % 8, 1 + n % 12, 1 + n % 28) for n in range(400)]

    def business_days(calendar_network):
        calendar = calendar_for(calendar_network)
        return [calendar.is_business_day(day) for day in days]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(business_days, [Network.ACH, Network.BECS] * 8))
    assert answers[0::2] == [answers[0]] * 8
    assert answers[1::2] == [answers[1]] * 8
    assert not all(answers[0]) and any(answers[0])
