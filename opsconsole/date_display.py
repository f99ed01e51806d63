"""Dates and times of a page of rows, shown exactly as Django's `localize` shows them, for less.

A list of a hundred rows shows a hundred moments. Django formats each one from scratch: it splits
the locale's format string again, builds a formatter, and looks the translated words ("a.m.",
"noon", "Mar") up again. `MomentDisplay` splits the format once, and keeps each piece that depends
only on the day ("5 Mar 2026") or only on the hour and minute ("2:30 p.m.") for the next row that
shares it, so most rows of a page cost a dictionary look-up per piece. Pieces that depend on more
(seconds, the zone's offset) are worked out for every value, as Django does.

One instance serves one page: the pieces it keeps are in the language active when it was made.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import formats, timezone
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars

# The format specifiers (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date)
# that read only the date, and those that read only the hour and minute.
DAY_SPECIFIERS = frozenset("bdDEFjlLmMnNoStwWyYz")
MINUTE_SPECIFIERS = frozenset("aAfgGhHiP")
LITERAL, DAY, MINUTE, OTHER = "literal", "day", "minute", "other"


class MomentDisplay:
    """`formats.localize(timezone.template_localtime(moment))` for the moments of one page."""

    def __init__(self, format_name: str = "DATETIME_FORMAT"):
        self.pieces = _split(formats.get_format(format_name))
        self.kept: dict[tuple, str] = {}
        # `template_localtime`'s zone, looked up once rather than per value.
        self.zone = timezone.get_current_timezone() if settings.USE_TZ else None

    def __call__(self, moment: datetime.datetime) -> str:
        local = self._local(moment)
        day, minute = local.date(), (local.hour, local.minute)
        formatter = None
        shown = []
        for kind, text in self.pieces:
            if kind == LITERAL:
                shown.append(text)
            elif kind == OTHER:
                formatter = formatter or DateFormat(local)
                shown.append(str(getattr(formatter, text)()))
            else:
                key = (text, day if kind == DAY else minute)
                if key not in self.kept:
                    formatter = formatter or DateFormat(local)
                    self.kept[key] = str(getattr(formatter, text)())
                shown.append(self.kept[key])
        return "".join(shown)

    def _local(self, moment: datetime.datetime) -> datetime.datetime:
        """`timezone.template_localtime(moment)`."""
        if self.zone is None or timezone.is_naive(moment) or not getattr(moment, "convert_to_local_time", True):
            return moment
        return moment.astimezone(self.zone)


class DayDisplay:
    """`formats.localize(day)` for the dates of one page: each date formatted once."""

    def __init__(self):
        self.kept: dict[datetime.date, str] = {}

    def __call__(self, day: datetime.date) -> str:
        shown = self.kept.get(day)
        if shown is None:
            shown = self.kept[day] = formats.localize(day)
        return shown


def _split(format_string: str) -> list[tuple[str, str]]:
    """The format as (LITERAL, text) pieces and (DAY, MINUTE or OTHER, specifier) pieces, read
    the way Django's `Formatter.format` reads it."""
    pieces = []
    for index, piece in enumerate(re_formatchars.split(str(format_string))):
        if index % 2:
            kind = DAY if piece in DAY_SPECIFIERS else MINUTE if piece in MINUTE_SPECIFIERS else OTHER
            pieces.append((kind, piece))
        elif piece:
            pieces.append((LITERAL, re_escaped.sub(r"\1", piece)))
    return pieces
