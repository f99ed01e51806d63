"""A number on the dashboard and the filtered admin list it counts."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

# Counts over whole tables stop here: past ten thousand the exact number changes nothing anyone
# does today, and counting millions of rows would. Panels pass it to their counts as `up_to`.
COUNT_UP_TO = 10_000


@dataclass(frozen=True)
class Metric:
    """A number and the filtered list it counts; `tone` is how it is coloured: neutral, info,
    success, warning or danger."""

    label: str
    count: int
    url: str
    tone: str = "neutral"

    @property
    def shown(self) -> str:
        """The count as people read it: past COUNT_UP_TO, just "more than"."""
        return f"{COUNT_UP_TO:,}+" if self.count > COUNT_UP_TO else f"{self.count:,}"


def changelist_url(model, **filters) -> str:
    """The admin list of `model`, filtered by `filters` (admin lookups, e.g. status__exact)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url
