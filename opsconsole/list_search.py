"""The search box of a large list: the whole term looked up on indexed keys, never a scan.

Django's admin search ORs every search field together in one query, joining the tables a field
spans (`=buyer__email`); no index can serve an OR across two tables, so PostgreSQL reads them
whole. Here a field on a related table is looked up in that table first, by its own index, and
the list is then narrowed by the foreign key's index (`buyer_id IN (…)`). Fields that reach the
same table by the same lookup share one query: `=buyer__email` and `=seller__email` find the
customers once.

The term is taken whole (an email or a reference has no words to split) and stripped. Field
names keep Django's prefixes: `=` for a case-insensitive exact match (served by an `UPPER()`
index), `^` for a prefix; a name with a lookup (`reference__exact`) uses it; a bare name means
`icontains`, which only small tables should use.

A large list may also be searched by any part of a column (`partial_key_condition`), as the
console's search box does for emails: only when the whole term matches no key, and only with a
trigram index on `UPPER(column)` to serve Django's `icontains` on PostgreSQL.
"""

from collections import defaultdict

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q

# The shortest part of a value looked up: a shorter fragment gives a trigram index nothing to
# narrow down, and would match too much. The search box (search/finding.py) holds to it too.
MIN_QUERY_LENGTH = 3
# The most related rows one term may stand for: an email is used on a few platforms, a card's
# last four digits on a few dozen cards of a million.
MAX_RELATED_MATCHES = 1000
PREFIX_LOOKUPS = {"=": "iexact", "^": "istartswith", "@": "search"}


def _lookup_of(search_field: str) -> str:
    prefix = search_field[:1]
    if prefix in PREFIX_LOOKUPS:
        return f"{search_field[1:]}__{PREFIX_LOOKUPS[prefix]}"
    return search_field


def _split_at_relation(model, lookup: str) -> tuple[str | None, type | None, str]:
    """(`buyer`, Customer, `email__iexact`) for `buyer__email__iexact` on Item; (None, None, lookup)
    for a lookup on the model's own columns. Adds `icontains` to a bare column name."""
    first, _, rest = lookup.partition("__")
    field = model._meta.get_field(first)
    if field.is_relation and field.many_to_one and rest:
        related_model = field.related_model
        rest_first = rest.split("__")[0]
        try:
            related_model._meta.get_field(rest_first)
        except FieldDoesNotExist:
            return None, None, lookup  # a lookup on the key itself (`batch__exact`)
        return field.name, related_model, rest if "__" in rest else f"{rest}__icontains"
    return None, None, lookup if rest else f"{lookup}__icontains"


def exact_key_condition(model, search_fields, term: str) -> Q:
    """The rows of `model` one of `search_fields` matches `term` on; runs one query per related
    table and lookup (see the module's docstring)."""
    own = Q(pk__in=[])
    related: dict[tuple[type, str], list[str]] = defaultdict(list)
    for search_field in search_fields:
        relation, related_model, lookup = _split_at_relation(model, _lookup_of(search_field))
        if relation is None:
            own |= Q(**{lookup: term})
        else:
            related[related_model, lookup].append(relation)
    for (related_model, lookup), relations in related.items():
        try:
            keys = list(related_model._default_manager.filter(**{lookup: term})
                        .order_by().values_list("pk", flat=True)[:MAX_RELATED_MATCHES])
        except (ValidationError, ValueError):
            continue  # the term cannot be such a key (letters for a number)
        for relation in relations:
            if keys:
                own |= Q(**{f"{relation}__in": keys})
    return own


def partial_key_condition(partial_fields, term: str) -> Q | None:
    """The rows one of the model's own columns `partial_fields` names contains `term` in, ignoring
    case; None when there are no such columns or the term is shorter than a trigram index can
    narrow down (`MIN_QUERY_LENGTH`)."""
    if not partial_fields or len(term) < MIN_QUERY_LENGTH:
        return None
    condition = Q(pk__in=[])
    for field_name in partial_fields:
        condition |= Q(**{f"{field_name}__icontains": term})
    return condition
