"""Customers and platforms in the console's search box (search/registry.py)."""

from accounts.masking import VIEW_CUSTOMER_CONTACT, email_shown_to
from accounts.models import Customer, Platform
from search.registry import QueryShape, SearchField, SearchKind, register


def describe_customer(customer: Customer, user) -> tuple[str, str]:
    """The contact email as `user` may see it (masked without the contact permission)."""
    detail = (f"{email_shown_to(user, customer.email)}, {customer.get_kind_display().lower()} "
              f"on {customer.platform.name}")
    return str(customer), detail


def describe_platform(platform: Platform, user) -> tuple[str, str]:
    return str(platform), f"Client ID {platform.client_id}"


register(SearchKind(
    key="customer", model=Customer, title="Customer", plural="Customers", icon="person", order=10,
    fields=(
        SearchField(QueryShape.NUMBER, "pk", "id"),
        # `customer_unique_email_per_platform`'s index, on UPPER(email).
        SearchField(QueryShape.EMAIL, "email", "email"),
        SearchField(QueryShape.REFERENCE, "external_id", "external id"),
        # The trigram index `customer_email_upper_trgm_idx` (migration 0002). Only for people who may
        # see contact details: for anyone else the answers would spell an address out a character at a time.
        SearchField(QueryShape.PART_OF_WORD, "email", "part of email", permission=VIEW_CUSTOMER_CONTACT),
    ),
    shown=("first_name", "last_name", "external_id", "email", "kind", "platform_id", "platform__name"),
    describe=describe_customer,
    found_by="a customer's email, whole or at least 3 characters of it, or their external id",
))

register(SearchKind(
    key="platform", model=Platform, title="Platform", plural="Platforms", icon="hub", order=70,
    fields=(
        SearchField(QueryShape.NUMBER, "pk", "id"),
        SearchField(QueryShape.REFERENCE, "client_id", "client id"),
        SearchField(QueryShape.NAME, "name", "name"),  # `platform_name_upper_idx`
        # Trigram indexes (migration 0005).
        SearchField(QueryShape.PART, "name", "part of name"),
        SearchField(QueryShape.PART, "client_id", "part of client id"),
    ),
    shown=("name", "environment", "client_id"),
    describe=describe_platform,
    found_by="a platform's client id or name",
))
