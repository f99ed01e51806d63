"""The search box collects the kinds of record each app registers in its own `search` module: every
app's kinds are found at start-up, in the order of the results; none can be added later; and neither
the search app nor the console's core imports any of the apps whose records it finds."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils.module_loading import module_has_submodule

from opsconsole.startup_registry import RegistryFrozen
from search.registry import QueryShape, SearchField, SearchKind, registry
from tests.imports import imported_modules

DOMAIN_APPS = {"accounts", "payments", "batches", "support", "apilog"}


def test_every_apps_kinds_are_found_at_start_up_in_the_order_of_the_results():
    assert [(kind.key, kind.describe.__module__) for kind in registry.all()] == [
        ("customer", "accounts.search"),
        ("item", "payments.search"),
        ("charge", "payments.search"),
        ("disbursement", "payments.search"),
        ("batch", "batches.search"),
        ("batch_entry", "batches.search"),
        ("platform", "accounts.search"),
        ("api_request", "apilog.search"),
    ]
    with_a_search_module = {config.name for config in apps.get_app_configs()
                            if config.name != "search" and module_has_submodule(config.module, "search")}
    assert with_a_search_module == {kind.describe.__module__.removesuffix(".search") for kind in registry.all()}


def test_a_kind_cannot_be_registered_after_start_up():
    late = SearchKind(key="ticket", model=apps.get_model("support", "Ticket"), title="Ticket", plural="Tickets",
                      icon="support", order=90, fields=(SearchField(QueryShape.NUMBER, "pk", "id"),),
                      describe=lambda ticket, user: (str(ticket), ""))
    with pytest.raises(RegistryFrozen):
        registry.register(late)
    assert "ticket" not in [kind.key for kind in registry.all()]


def domain_apps_imported_by(directory: str) -> dict[str, list[str]]:
    """For each module under `directory` that imports a domain app, the modules of those apps it imports."""
    base = Path(settings.BASE_DIR)
    assert DOMAIN_APPS <= {path.parent.name for path in base.glob("*/apps.py")}
    reaching_out = {}
    for path in sorted((base / directory).rglob("*.py")):
        names = imported_modules(path.read_text(encoding="utf-8"))
        if domain := sorted(name for name in names if name.split(".")[0] in DOMAIN_APPS):
            reaching_out[path.relative_to(base).as_posix()] = domain
    return reaching_out


def test_the_search_app_imports_no_app_whose_records_it_finds():
    assert (Path(settings.BASE_DIR) / "search" / "finding.py").exists()
    assert domain_apps_imported_by("search") == {}


def test_the_consoles_core_imports_no_domain_app():
    # The audit trail is allowed: tasking records through its public service.
    assert (Path(settings.BASE_DIR) / "opsconsole" / "tasking").is_dir()
    assert domain_apps_imported_by("opsconsole") == {}
