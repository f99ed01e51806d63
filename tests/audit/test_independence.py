"""The audit trail depends on nothing of the task framework: tasking writes its steps through the
trail's `record_event` and supplies the tasks' titles at start-up, so the trail can be read,
verified and archived without any task being defined."""

import ast
from pathlib import Path

from django.conf import settings

from audit.task_titles import task_titles
from opsconsole.tasking.registry import registry

TASK_FRAMEWORK = "opsconsole.tasking"


def imported_modules(source: str) -> set[str]:
    """Every module a Python source imports, anywhere in it (inside functions too), by full name;
    `from package import name` counts as importing both the package and `package.name`."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def importing_the_task_framework(source: str) -> bool:
    return any(name == TASK_FRAMEWORK or name.startswith(f"{TASK_FRAMEWORK}.") for name in imported_modules(source))


def test_the_import_check_sees_every_form_of_import():
    assert importing_the_task_framework("from opsconsole.tasking.registry import registry")
    assert importing_the_task_framework("from opsconsole import tasking")
    assert importing_the_task_framework("def f():\n    import opsconsole.tasking.base\n")
    assert not importing_the_task_framework("from opsconsole.models import TaskRun\nimport opsconsole.taskingx")


def test_no_module_of_the_audit_trail_imports_the_task_framework():
    audit_folder = Path(settings.BASE_DIR) / "audit"
    importing = {path.relative_to(settings.BASE_DIR).as_posix() for path in audit_folder.rglob("*.py")
                 if importing_the_task_framework(path.read_text(encoding="utf-8"))}
    assert importing == set(), "the audit trail imports the task framework"


def test_the_task_framework_supplies_every_tasks_title_to_the_trail():
    assert task_titles() == {task.slug: task.title for task in registry.all()}
    assert task_titles()["release-risk-hold"] == "Release an item's payment from risk review"
