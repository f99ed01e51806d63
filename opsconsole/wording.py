"""Words the console builds for people to read: a name's possessive, and a field's name as a label.

Labels are written where the thing is declared — a model field's `verbose_name`, an admin
column's `description`, a form field's `label` — so that every screen, filter and export says the
same. `field_label` reads them for the screens that only know a field by its name (a task's
preview and a run's diff); `humanise` words a name that has no label of its own.
"""

import re

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

# Abbreviations people write in capitals, as they write them. A label spells each one so
# (tests/opsconsole/test_labels.py holds every label of the console to it).
ACRONYMS = ("3DS", "API", "BIC", "BSB", "CSV", "HTTP", "IBAN", "ID", "IP", "JSON", "KYC", "SDK", "SHA", "SLA",
            "TLS", "URL", "UTC")
_ACRONYM_OF_WORD = {acronym.lower(): acronym for acronym in ACRONYMS}
# A whole word: not a part of "paid", "slack" or "sha256".
_ACRONYM_AS_A_WORD = re.compile(
    r"(?<![A-Za-z0-9])(" + "|".join(re.escape(acronym) for acronym in ACRONYMS) + r")(?![A-Za-z0-9])", re.IGNORECASE)


def possessive(name: str) -> str:
    """"Olivia's", "James's", "Harbour Goods's": the name and 's, after a final s too (British usage;
    docs/decisions/0068-words-people-read.md). Spaces around the name are dropped; a blank name stays blank."""
    name = name.strip()
    return f"{name}'s" if name else ""


def humanise(name: str) -> str:
    """"seller_fee_amount" → "Seller fee amount", "callback_url" → "Callback URL": a name written
    in code as words, capitalised, its abbreviations in capitals."""
    words = [_ACRONYM_OF_WORD.get(word.lower(), word) for word in name.replace("_", " ").split()]
    return capfirst(" ".join(words))


def field_label(model, name: str) -> str:
    """How people know the field `name` of a `model` record: the field's `verbose_name`,
    capitalised ("Seller fee" for `Item.seller_fee_amount`); `humanise(name)` when `model` is None
    or has no field of that name."""
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if getattr(field, "verbose_name", None):
            return capfirst(str(field.verbose_name))
    return humanise(name)


def miswritten_acronyms(label: str) -> list[str]:
    """The abbreviations `label` writes in the wrong case ("Kyc" in "Kyc state"), as written there."""
    return [match.group(0) for match in _ACRONYM_AS_A_WORD.finditer(label) if match.group(0) not in ACRONYMS]
