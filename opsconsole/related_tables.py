"""Related records below a detail page: read-only tables, a page at a time, never counted.

Each table is a small declaration (`RelatedTable`): the related model, its foreign key to the
page's object, its columns, its order (newest first), how many rows a page shows and the relations
its cells name. A page is read with one row more than it shows, which is enough to offer "Next"
without a COUNT; each table turns its pages by its own query parameter (`<key>-page`), so paging
one leaves the others where they are. All the tables of a detail page are read in one SQL
statement (opsconsole/union_reads.py).

Who sees what is what Django's inlines, which these tables replace, allowed: a table of a kind the
person may not view is left out, rows of platforms they may not see are left out
(opsconsole/platform_access.py), and a cell links to a record's admin page only when the person
may view that kind of record.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.db import models
from django.db.models import Model
from django.http import HttpRequest
from unfold.utils import display_for_field, display_for_value

from opsconsole.admin_urls import record_admin_url
from opsconsole.money import format_minor_units
from opsconsole.people import record_name
from opsconsole.platform_access import restrict_to_user_platforms
from opsconsole.union_reads import Rows, read_in_one_union

# The deepest page read: ten million rows in, and an OFFSET PostgreSQL accepts whatever is typed.
_LAST_PAGE = 1_000_000


@dataclass(frozen=True)
class Money:
    """A column of minor units, shown as an amount in the row's currency (opsconsole/money.py)."""

    amount_field: str
    label: str = "amount"
    currency_field: str = "currency"


@dataclass(frozen=True)
class Cell:
    label: str  # the column's, which narrow screens show beside the value
    value: object  # text, or markup made safe by unfold's display helpers
    url: str | None = None


@dataclass
class RelatedPage:
    """One table's page, as templates/opsconsole/detail_page.html draws it."""

    key: str
    title: str
    labels: list[str]
    records: list[Model]
    rows: list[list[Cell]]
    number: int
    previous_url: str | None
    next_url: str | None

    @property
    def element_id(self) -> str:
        return f"related-{self.key}"


class AdminLinks:
    """Links to records' admin pages for one person: only to the kinds they may view."""

    def __init__(self, user):
        self.user = user
        self._may_view: dict[type[Model], bool] = {}

    def may_view(self, model: type[Model]) -> bool:
        """Django's own test for an inline's kind: the view or the change permission."""
        if model not in self._may_view:
            opts = model._meta
            self._may_view[model] = any(
                self.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
                for action in ("view", "change"))
        return self._may_view[model]

    def url_of(self, record: Model) -> str | None:
        """`record`'s admin page, or None when the person may not view its kind or the admin
        has no page for it."""
        return record_admin_url(record) if self.may_view(type(record)) else None


class RelatedTable:
    """One table of records related to a detail page's object. Subclasses declare:

    - `model`, and `fk_name` when it has more than one foreign key to the page's model;
    - `columns`: names of the record's fields or attributes, and `Money` columns. A foreign key
      shows the record it leads to, linked to that record's page;
    - `link_column`: the column whose cell links to the row's own page (None: no link);
    - `ordering`: newest first, served by an index on the foreign key where rows may be many;
    - `per_page`, `select_related` (the relations the cells show), `title` (default: the
      model's plural name).

    The admin lists the classes in `related_tables`; an instance is bound to the page's model.
    """

    model: ClassVar[type[Model]]
    fk_name: ClassVar[str | None] = None
    title: ClassVar[str] = ""
    columns: ClassVar[tuple[str | Money, ...]] = ()
    link_column: ClassVar[str | None] = None
    ordering: ClassVar[tuple[str, ...]] = ("-id",)
    per_page: ClassVar[int] = 10
    select_related: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parent_model: type[Model]):
        self.foreign_key = self._foreign_key_to(parent_model)
        # The name Django gives the relation (`items_sold`), which the inlines used too.
        self.key = self.foreign_key.remote_field.get_accessor_name()
        self.heading = self.title or str(self.model._meta.verbose_name_plural)
        self.labels = [self._label(column) for column in self.columns]
        if self.link_column is not None and self.link_column not in self.columns:
            raise ImproperlyConfigured(f"{type(self).__name__}: link_column {self.link_column} is not a column.")

    @property
    def page_parameter(self) -> str:
        return f"{self.key}-page"

    def _foreign_key_to(self, parent_model: type[Model]) -> models.ForeignKey:
        candidates = [field for field in self.model._meta.concrete_fields
                      if isinstance(field, models.ForeignKey) and field.remote_field.model == parent_model
                      and (self.fk_name is None or field.name == self.fk_name)]
        if len(candidates) != 1:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: {self.model.__name__} needs exactly one foreign key to "
                f"{parent_model.__name__}{f' named {self.fk_name}' if self.fk_name else ''}; "
                f"{len(candidates)} found. Set fk_name.")
        return candidates[0]

    def _label(self, column: str | Money) -> str:
        if isinstance(column, Money):
            return column.label
        return str(label_for_field(column, self.model))

    def page_number(self, request: HttpRequest) -> int:
        """The page the request asks for; the first for anything that is not a page number."""
        try:
            return min(max(1, int(request.GET.get(self.page_parameter, 1))), _LAST_PAGE)
        except ValueError:
            return 1

    def page_rows(self, *, parent: Model, user, number: int) -> Rows:
        """The rows of page `number` and one more, of the platforms `user` may see."""
        rows = restrict_to_user_platforms(self.model._default_manager.filter(**{self.foreign_key.name: parent}), user)
        start = (number - 1) * self.per_page
        return Rows(rows.order_by(*self.ordering)[start:start + self.per_page + 1], related=self.select_related)

    def page(self, *, records: list[Model], number: int, request: HttpRequest, links: AdminLinks) -> RelatedPage:
        shown = records[:self.per_page]
        return RelatedPage(
            key=self.key, title=self.heading, labels=self.labels, records=shown,
            rows=[self.cells(record, links) for record in shown], number=number,
            previous_url=self._page_url(request, number - 1) if number > 1 else None,
            next_url=self._page_url(request, number + 1) if len(records) > self.per_page else None,
        )

    def cells(self, record: Model, links: AdminLinks) -> list[Cell]:
        cells = []
        for label, column in zip(self.labels, self.columns, strict=True):
            value, leads_to = self._value(record, column)
            if column == self.link_column:
                leads_to = record
            cells.append(Cell(label, value, links.url_of(leads_to) if leads_to is not None else None))
        return cells

    def _value(self, record: Model, column: str | Money) -> tuple[object, Model | None]:
        """What a cell shows, and the record it leads to when it names one."""
        empty = admin.site.empty_value_display
        if isinstance(column, Money):
            return (format_minor_units(getattr(record, column.amount_field), getattr(record, column.currency_field)),
                    None)
        try:
            field, _attribute, value = lookup_field(column, record)
        except ObjectDoesNotExist:
            return empty, None
        if isinstance(field, models.ForeignKey):
            return (empty, None) if value is None else (record_name(value), value)
        if field is None:
            return display_for_value(value, empty), None
        return display_for_field(value, field, empty), None

    def _page_url(self, request: HttpRequest, number: int) -> str:
        """This page's address with the table on page `number`, the other tables as they are."""
        query = request.GET.copy()
        query.pop(self.page_parameter, None)
        if number > 1:
            query[self.page_parameter] = str(number)
        return f"?{query.urlencode()}" if query else request.path


@cache
def _bound(table: type[RelatedTable], parent_model: type[Model]) -> RelatedTable:
    """A table bound to the page's model once: its foreign key and headers never change."""
    return table(parent_model)


def related_table_pages(*, request: HttpRequest, parent: Model,
                        tables: Iterable[type[RelatedTable]]) -> list[RelatedPage]:
    """The pages of `tables` (RelatedTable classes) below `parent`'s detail page, as `request`
    asks for them, for the person signed in: without the tables of kinds they may not view."""
    links = AdminLinks(request.user)
    shown = [_bound(table, type(parent)) for table in tables if links.may_view(table.model)]
    numbers = {table.key: table.page_number(request) for table in shown}
    records = read_in_one_union({
        table.key: table.page_rows(parent=parent, user=request.user, number=numbers[table.key]) for table in shown})
    return [table.page(records=records[table.key], number=numbers[table.key], request=request, links=links)
            for table in shown]
