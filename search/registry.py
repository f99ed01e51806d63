"""Which kinds of record the search box finds: each app registers its own from its `search`
module, found at start-up (search/apps.py); the registry is fixed once start-up ends.

A kind names the columns it is looked up by, each for queries of one shape (`QueryShape`), so that
every look-up is served by an index; the search (search/finding.py) runs the look-ups a query's
shape calls for, for the kinds the person may view, on the platforms they may see.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db import models

from opsconsole.admin_urls import admin_change_url, page_url
from opsconsole.startup_registry import StartupRegistry


class QueryShape(enum.Enum):
    """What a query looks like, which decides the look-ups it runs and how a column is compared
    with it. The look-ups run in this order; the partial ones only when the others find nothing."""

    # Digits only, no larger than a bigint: the column equals the number.
    NUMBER = "number"
    # Exactly four digits (a card's last four): the column equals the digits.
    FOUR_DIGITS = "four digits"
    # Has an `@`: the column equals the query, ignoring case (the column's `UPPER()` index).
    EMAIL = "email"
    # No spaces and no `@`: the column equals the query as typed, in capitals or in small letters.
    REFERENCE = "reference"
    # No `@` and not digits only: the column equals the query, ignoring case (its `UPPER()` index).
    NAME = "name"
    # Partial, not digits only and no spaces: the column contains the query, ignoring case (a trigram index).
    PART_OF_WORD = "part of word"
    # Partial, any query: the column contains the query, ignoring case (a trigram index).
    PART = "part"

    @property
    def partial(self) -> bool:
        return self in (QueryShape.PART_OF_WORD, QueryShape.PART)


@dataclass(frozen=True)
class SearchField:
    """A column a kind is looked up by, for queries of `shape`; `matched_by` says so in the results.

    `field` is a path as `filter()` takes it; for the shapes compared exactly (NUMBER, REFERENCE) it
    is the key or one of the kind's `shown` columns, so that which look-up found a row is told from
    the row. `newest_first` asks the database for the newest rows first: only for a look-up whose
    index finds few rows to sort. `permission` is needed on top of viewing the kind. `listed` says
    that the kind's list, searched for the same query (`?q=`), lists every object the look-up
    finds (its admin searches `field` exactly): the search page sends people there for the rest of
    a long run of matches.
    """

    shape: QueryShape
    field: str
    matched_by: str
    newest_first: bool = False
    permission: str = ""
    listed: bool = False


@dataclass(frozen=True, kw_only=True)
class SearchKind:
    """A kind of record the search box finds, contributed by the app that owns it.

    `key` is unique; `order` places its results among the other kinds' (lower first); `fields` are
    its look-ups; `shown` the columns `describe(row, user)` reads to say how a found row reads (its
    label, and what tells it apart from its neighbours), across a foreign key as `relation__field`
    with the key itself named too; `found_by` is the search page's sentence on what finds it (empty
    when a neighbouring kind's sentence says it). A person sees a kind when they may view its model.
    """

    key: str
    model: type[models.Model]
    title: str
    plural: str
    icon: str
    order: int
    fields: tuple[SearchField, ...]
    describe: Callable[[Any, Any], tuple[str, str]]
    shown: tuple[str, ...] = ()
    found_by: str = ""

    @property
    def permission(self) -> str:
        return f"{self.model._meta.app_label}.view_{self.model._meta.model_name}"

    def change_url(self, pk) -> str | None:
        return admin_change_url(app_label=self.model._meta.app_label, model_name=self.model._meta.model_name, pk=pk)

    def list_search_url(self, query: str) -> str:
        """The kind's list, searched for `query`."""
        meta = self.model._meta
        return f"{page_url(f'admin:{meta.app_label}_{meta.model_name}_changelist')}?{urlencode({'q': query})}"


class SearchRegistry(StartupRegistry[SearchKind]):
    too_late = "Search kind {key!r} registered after start-up; register it from its app's search module."
    duplicate = "Two search kinds share the key {key!r}."

    def __init__(self):
        super().__init__()
        self._in_order: tuple[SearchKind, ...] = ()
        self._by_shape: dict[QueryShape, tuple[tuple[SearchKind, SearchField], ...]] = {}

    def register(self, kind: SearchKind) -> SearchKind:
        self.add(kind.key, kind)
        self._in_order = tuple(sorted(self.entries(), key=lambda registered: (registered.order, registered.key)))
        # Worked out once here rather than on every search.
        self._by_shape = {shape: tuple((registered, field) for registered in self._in_order
                                       for field in registered.fields if field.shape is shape)
                          for shape in QueryShape}
        return kind

    def all(self) -> tuple[SearchKind, ...]:
        """Every kind, in the order of the results."""
        return self._in_order

    def fields_of(self, shape: QueryShape) -> tuple[tuple[SearchKind, SearchField], ...]:
        """Every kind's fields for queries of `shape`, kinds in the order of the results."""
        return self._by_shape.get(shape, ())


registry = SearchRegistry()
register = registry.register
