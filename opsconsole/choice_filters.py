"""List filters whose choices come from a fixed table, never from the rows.

Django's filter on a column without `choices` lists the column's values with a
`SELECT DISTINCT` over the whole table, on every page of the list: on millions of charges that
is a scan per page. These filters offer the codes the console knows (a card response code, a
bank's return code) and filter by equality, which an index serves.
"""

from collections.abc import Callable

from django.contrib import admin


class FixedChoicesFilter(admin.SimpleListFilter):
    """Subclass through `fixed_choices_filter`."""

    field_name: str
    offered: Callable[[], list[tuple[str, str]]]

    def lookups(self, request, model_admin):
        return self.offered()

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field_name: self.value()}) if self.value() else queryset


def fixed_choices_filter(field_name: str, title: str, choices: Callable[[], list[tuple[str, str]]]) -> type:
    """A filter on `field_name` offering `choices()` (value, label); its parameter is the one
    Django's own filter on the field would use, so links to the list keep working."""
    return type(f"{field_name.title().replace('_', '')}Filter", (FixedChoicesFilter,), {
        "title": title, "parameter_name": f"{field_name}__exact", "field_name": field_name,
        "offered": staticmethod(choices),
    })


class HttpStatusClassFilter(admin.SimpleListFilter):
    """2xx to 5xx, by ranges of a status code column: no DISTINCT over the rows."""

    field_name = "status_code"
    title = "status"
    parameter_name = "status_class"
    ranges = {"2xx": (200, 299), "3xx": (300, 399), "4xx": (400, 499), "5xx": (500, 599)}

    def lookups(self, request, model_admin):
        return [(key, key) for key in self.ranges]

    def queryset(self, request, queryset):
        if self.value() in self.ranges:
            low, high = self.ranges[self.value()]
            return queryset.filter(**{f"{self.field_name}__gte": low, f"{self.field_name}__lte": high})
        return queryset
