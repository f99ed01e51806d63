"""Every label the console shows reads as words people use: abbreviations in capitals ("KYC state",
"IP address", "First-response SLA", not "Kyc state", "Ip address", "First response sla"), and no
name written in code ("Cutoff at", "Is active", "Latency upto 50ms").

Walks every field of every model of the console's apps, every admin column, filter and detail
field label, and every form of the console, so that a new field gets a label when it needs one."""

import re

import pytest
from django import forms
from django.apps import apps
from django.contrib.admin.utils import label_for_field
from django.forms.utils import pretty_name
from django.urls import get_resolver
from django.utils.text import capfirst

from opsconsole.wording import ACRONYMS, miswritten_acronyms
from tests.admin_models import registered_admins

CONSOLE_APPS = ("opsconsole", "accounts", "payments", "batches", "support", "audit", "apilog")
# Names as code writes them, which people write otherwise.
CODE_WORDS = re.compile(r"\b(cutoff|upto|follow up|sha256|repr|params)\b|^is |_", re.IGNORECASE)


def _problems(label: str) -> list[str]:
    found = [f"{word!r} should be {word.upper()!r}" for word in miswritten_acronyms(label)]
    found += [f"{match.group(0)!r} is a name from the code" for match in CODE_WORDS.finditer(label)]
    return found


def _console_module(module: str) -> bool:
    return module.split(".")[0] in CONSOLE_APPS


def _model_labels():
    for config in (apps.get_app_config(label) for label in CONSOLE_APPS):
        for model in config.get_models():
            if hasattr(model, "instance_type"):
                continue  # django-simple-history's copy of a model: its fields are the model's
            where = f"{model._meta.label}"
            yield where, str(model._meta.verbose_name)
            yield where, str(model._meta.verbose_name_plural)
            for field in model._meta.get_fields():
                if getattr(field, "verbose_name", None) and not (field.auto_created and not field.concrete):
                    yield f"{where}.{field.name}", capfirst(str(field.verbose_name))


def _admin_labels():
    for model, model_admin in registered_admins():
        if not _console_module(model.__module__):
            continue
        where = f"{type(model_admin).__name__}"
        names = [*model_admin.list_display, *model_admin.readonly_fields]
        for name in names:
            if name != "action_checkbox":
                yield f"{where} {name}", capfirst(str(label_for_field(name, model, model_admin)))
        for list_filter in model_admin.list_filter:
            # A field's filter is titled by its label, walked with the model; a filter class by its title.
            title = getattr(list_filter, "title", None) if isinstance(list_filter, type) else None
            if title:
                yield f"{where} filter {list_filter.__name__}", str(title)
        for options in (model_admin.fieldsets or ()):
            if options[0]:
                yield f"{where} fieldset", str(options[0])


def _form_classes():
    get_resolver().url_patterns  # the views' modules, and with them their forms, are imported
    seen, waiting = set(), [forms.BaseForm]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            if subclass not in seen:
                seen.add(subclass)
                waiting.append(subclass)
    return [form for form in seen if _console_module(form.__module__)]


def _form_labels():
    for form in _form_classes():
        for name, field in getattr(form, "base_fields", {}).items():
            yield f"{form.__module__}.{form.__name__}.{name}", str(field.label or pretty_name(name))


def test_the_check_catches_what_it_is_for():
    assert _problems("Kyc state") and _problems("Ip address") and _problems("First response sla")
    assert _problems("Callback url") and _problems("Api request") and _problems("External id")
    assert _problems("Cutoff at") and _problems("Is active") and _problems("Latency upto 50ms")
    assert not _problems("KYC state") and not _problems("IP address") and not _problems("First-response SLA")
    assert not _problems("Paid at") and not _problems("Slack channel") and not _problems("Ideal time")
    assert set(ACRONYMS) >= {"KYC", "IP", "SLA", "URL", "ID", "API", "3DS", "BSB", "IBAN"}


@pytest.mark.parametrize("labels", [_model_labels, _admin_labels, _form_labels],
                         ids=["model fields", "admin columns and filters", "forms"])
def test_every_label_reads_as_words_people_use(labels):
    walked = list(labels())
    assert walked, "nothing was walked"
    wrong = [f"{where}: {label!r}: {'; '.join(_problems(label))}" for where, label in walked if _problems(label)]
    assert not wrong, "\n".join(wrong)
