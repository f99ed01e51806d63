"""Days, moments and spans as answers state them: every moment carries its time zone."""

import datetime

from django.utils import timezone
from django.utils.formats import date_format


def day(value: datetime.date) -> str:
    """"Sunday 6 December 2026"."""
    return date_format(value, "l j F Y")


def moment(value: datetime.datetime, zone: datetime.tzinfo | None = None) -> str:
    """"Sun 6 Dec 2026, 14:05 AEDT": in `zone` (a network's, as the bank states its cut-offs) or
    the console's own."""
    return date_format(timezone.localtime(value, zone), "D j M Y, H:i T")


def clock_time(value: datetime.datetime, zone: datetime.tzinfo | None = None) -> str:
    """"16:00 AEDT": a time of day, where the day goes without saying."""
    return date_format(timezone.localtime(value, zone), "H:i T")


def span(delta: datetime.timedelta) -> str:
    """"2 days 3 hours": the two largest units, whole."""
    minutes = int(abs(delta).total_seconds()) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{amount} {unit}{'s' if amount != 1 else ''}" for amount, unit in parts if amount][:2]
    return " ".join(words) or "less than a minute"
