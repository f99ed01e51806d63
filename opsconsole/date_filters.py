"""A date-range filter for lists, read the way the date picker writes dates.

Unfold's own reads `05/03/2026` in the US order whatever the locale, and drops a date it
cannot read without a word. This one reads dates in the console's locale (the 5th of March in
en-gb), says so when one cannot be read, and takes the "to" day whole: on a date-and-time
column it means up to the end of that day in the console's time zone.
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import DateTimeField
from django.utils import timezone
from unfold.contrib.filters.admin import RangeDateFilter


class LocalDateRangeFilter(RangeDateFilter):
    def queryset(self, request, queryset):
        for end in ("from", "to"):
            text = self.used_parameters.get(f"{self.parameter_name}_{end}")
            if not text:
                continue
            try:
                day = forms.DateField().clean(text)
            except ValidationError as problem:
                messages.error(request, f"{self.title.capitalize()} {end} “{text}”: {' '.join(problem.messages)} "
                                        f"The list is not limited by it.")
                continue
            queryset = queryset.filter(**self._bound(end, day))
        return queryset

    def _bound(self, end: str, day: datetime.date) -> dict:
        if not isinstance(self.field, DateTimeField):
            return {f"{self.parameter_name}__{'gte' if end == 'from' else 'lte'}": day}
        # Whole local days, compared as moments so the column's index serves the range.
        if end == "to":
            day += datetime.timedelta(days=1)
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return {f"{self.parameter_name}__{'gte' if end == 'from' else 'lt'}": moment}
