"""The dashboard collects the panels each app registers in its own `dashboard` module: every app's
panels are found at start-up, in their order; a panel is shown, with its numbers in the headline,
exactly to the people who hold its permission; and the dashboard app imports none of the apps
whose panels it shows."""

import datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.template.loader import get_template
from django.utils.module_loading import module_has_submodule

from dashboard.metrics import Metric
from dashboard.page import dashboard_for
from dashboard.panels import Panel, PanelContent, PanelRegistry, Viewing, registry
from opsconsole.startup_registry import RegistryFrozen
from tests.imports import imported_modules

NOW = datetime.datetime(2025, 5, 13, 2, 0, tzinfo=datetime.UTC)


def test_every_apps_panels_are_found_at_start_up_in_order():
    assert [(panel.name, panel.build.__module__) for panel in registry.all()] == [
        ("batches", "batches.dashboard"),
        ("waiting-items", "payments.dashboard"),
        ("disbursements", "payments.dashboard"),
        ("callbacks", "payments.dashboard"),
        ("audit-trail", "audit.dashboard"),
    ]
    with_a_dashboard_module = {config.name for config in apps.get_app_configs()
                               if module_has_submodule(config.module, "dashboard")}
    assert with_a_dashboard_module == {panel.build.__module__.removesuffix(".dashboard") for panel in registry.all()}
    for panel in registry.all():
        get_template(panel.template)  # raises when the panel's template is missing


def test_a_panel_cannot_be_registered_after_start_up():
    late = Panel(name="late", permission="batches.view_batch", build=lambda viewing: PanelContent(),
                 template="batches/dashboard_batch_days.html", order=1)
    with pytest.raises(RegistryFrozen):
        registry.register(late)
    assert "late" not in [panel.name for panel in registry.all()]


# A panel as another app would register it: the support team's open bugs, for the people who work them.


def open_bugs(viewing: Viewing) -> PanelContent:
    return PanelContent(headline=[Metric(f"Open bugs for {viewing.user.username}", 3, "/support/bug/")])


def test_a_registered_panel_is_shown_in_its_place_to_the_people_who_hold_its_permission(staff):
    panels = PanelRegistry()
    for panel in registry.all():
        panels.register(panel)
    panels.register(Panel(name="open-bugs", permission="support.change_bug", build=open_bugs,
                          template="support/dashboard_open_bugs.html", order=25, shows="bugs"))
    assert staff["lead"].has_perm("support.change_bug") and not staff["ops"].has_perm("support.change_bug")

    lead = dashboard_for(user=staff["lead"], now=NOW, panels=panels)
    assert [shown.panel.name for shown in lead.sections] == [
        "batches", "waiting-items", "open-bugs", "disbursements", "callbacks"]
    headline = [metric.label.split(" since")[0] for metric in lead.headline]
    assert headline[2:5] == ["Items in payment pending", "Open bugs for lead", "Failed disbursements"]

    ops = dashboard_for(user=staff["ops"], now=NOW, panels=panels)
    assert ops.content("open-bugs") is None and "Open bugs for ops" not in [metric.label for metric in ops.headline]
    nobody = dashboard_for(user=staff["nobody"], now=NOW, panels=panels)
    assert nobody.is_empty and nobody.subjects == "batches, items, bugs, disbursements and callbacks"


def test_a_value_several_panels_read_is_worked_out_once_a_page(staff):
    worked_out = []

    def late_batches(viewing: Viewing) -> list[int]:
        worked_out.append(viewing.now)
        return [1, 2]

    viewing = Viewing(user=staff["ops"], now=NOW)
    assert viewing.once(late_batches) == viewing.once(late_batches) == [1, 2]
    assert worked_out == [NOW]
    assert Viewing(user=staff["ops"], now=NOW).once(late_batches) == [1, 2] and len(worked_out) == 2


def test_the_audit_notice_comes_before_the_sections_and_adds_nothing_to_the_headline(db, staff):
    auditor = dashboard_for(user=staff["auditor"], now=NOW)
    assert [shown.panel.name for shown in auditor.notices] == ["audit-trail"]
    assert [shown.panel.name for shown in auditor.sections] == ["batches", "waiting-items"]
    assert auditor.content("audit-trail").headline == []
    assert auditor.headline == [metric for shown in auditor.sections for metric in shown.content.headline]


# The dashboard app depends on no app whose panels it shows.


def test_the_dashboard_app_imports_no_other_app_of_the_project_but_the_core():
    base = Path(settings.BASE_DIR)
    project_apps = {path.parent.name for path in base.glob("*/apps.py")}
    assert {"dashboard", "payments", "batches", "audit", "opsconsole"} <= project_apps
    # The core (its start-up registry) shows no panel of its own.
    assert not (base / "opsconsole" / "dashboard.py").exists()
    modules = {path.relative_to(base).as_posix(): imported_modules(path.read_text(encoding="utf-8"))
               for path in (base / "dashboard").rglob("*.py")}
    assert "dashboard/panels.py" in modules and "dashboard/page.py" in modules
    showing_panels = project_apps - {"dashboard", "opsconsole"}
    reaching_out = {module_path: sorted(name for name in names if name.split(".")[0] in showing_panels)
                    for module_path, names in modules.items()}
    assert {module_path: names for module_path, names in reaching_out.items() if names} == {}
