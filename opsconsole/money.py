"""Money is integer minor units plus an ISO 4217 currency; this formats it for people."""

from django.db import models

# Currencies without minor units (ISO 4217 exponent 0) among those the platform settles in.
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW"}


class Currency(models.TextChoices):
    AUD = "AUD", "Australian dollar"
    USD = "USD", "US dollar"
    NZD = "NZD", "New Zealand dollar"
    GBP = "GBP", "Pound sterling"
    EUR = "EUR", "Euro"


def format_minor_units(amount: int | None, currency: str) -> str:
    if amount is None:
        return "—"
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{amount:,} {currency}"
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), 100)
    return f"{sign}{whole:,}.{cents:02d} {currency}"
