"""The weekly on-duty rota, read: the week containing a day, who is on duty, and who a new ticket
goes to. Escalating a ticket and swapping who is on duty are `support.services.rota`.

Weeks run Monday to Sunday in the support calendar's time zone (Sydney).
"""

import datetime

from opsconsole.business_calendar import SUPPORT_CALENDAR
from support.models import RotaWeek


def _local_date(on: datetime.date) -> datetime.date:
    """The support team's date of `on`: a datetime is read in Sydney time."""
    if isinstance(on, datetime.datetime):
        return on.astimezone(SUPPORT_CALENDAR.time_zone).date()
    return on


def rota_week_starting(*, on: datetime.date) -> datetime.date:
    """The Monday of the rota week containing `on` (a date, or a moment read in Sydney time)."""
    day = _local_date(on)
    return day - datetime.timedelta(days=day.weekday())


def rota_week_for(*, on: datetime.date) -> RotaWeek | None:
    """The rota week containing `on` (a date, or a moment read in Sydney time), or None."""
    return RotaWeek.objects.select_related("on_duty", "lead").filter(week_starting=rota_week_starting(on=on)).first()


def rota_on_duty(*, on: datetime.date):
    """The person on duty on `on`, or None when the week has no rota."""
    week = rota_week_for(on=on)
    return week.on_duty if week else None


def ticket_default_assignee(*, on: datetime.date):
    """Who a new ticket raised on `on` goes to when nobody is named: the person on duty (None
    without a rota week, and the ticket waits unassigned in the triage inbox)."""
    return rota_on_duty(on=on)
