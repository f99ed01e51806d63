"""The lists' date-range filter reads dates as the console writes them (day first in en-gb),
takes the last day whole, and says when a date cannot be read instead of ignoring it."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import make_charge

CHARGES = "/payments/charge/"


def at(day: int, month: int, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour))


@pytest.fixture
def charges_in_march_and_may(db):
    return {
        "5 March": make_charge(created_at=at(5, 3, 9), response_code="05"),
        "5 March, evening": make_charge(created_at=at(5, 3, 23), response_code="51"),
        "3 May": make_charge(created_at=at(3, 5, 9), response_code="54"),
    }


def listed_codes(client, query: str) -> set[str]:
    page = client.get(f"{CHARGES}?{query}")
    assert page.status_code == 200
    return {code for code in ("05", "51", "54") if f">{code}<" in page.content.decode()}


def test_a_day_first_date_is_read_as_the_locale_writes_it(client_as, charges_in_march_and_may):
    client = client_as("ops")
    assert listed_codes(client, "created_at_from=05/03/2026&created_at_to=05/03/2026") == {"05", "51"}


def test_the_to_day_is_included_until_its_end(client_as, charges_in_march_and_may):
    client = client_as("ops")
    assert listed_codes(client, "created_at_from=01/05/2026&created_at_to=03/05/2026") == {"54"}


def test_an_unreadable_date_is_reported_and_does_not_limit_the_list(client_as, charges_in_march_and_may):
    page = client_as("ops").get(f"{CHARGES}?created_at_from=31/02/2026")
    assert "Enter a valid date" in page.content.decode()
    assert "31/02/2026" in page.content.decode()
