"""The audit trail depends on nothing of the task framework: tasking writes its steps through the
trail's `record_event` and supplies the tasks' titles at start-up, so the trail can be read,
verified and archived without any task being defined."""

from audit.task_titles import task_titles
from opsconsole.tasking.registry import registry
from tests.imports import imported_modules, modules_reached

TASK_FRAMEWORK = "opsconsole.tasking"


def in_the_task_framework(module: str) -> bool:
    return module == TASK_FRAMEWORK or module.startswith(f"{TASK_FRAMEWORK}.")


def test_the_import_check_sees_every_form_of_import():
    assert any(map(in_the_task_framework, imported_modules("from opsconsole.tasking.registry import registry")))
    assert any(map(in_the_task_framework, imported_modules("from opsconsole import tasking")))
    assert any(map(in_the_task_framework, imported_modules("def f():\n    import opsconsole.tasking.base\n")))
    assert not any(map(in_the_task_framework,
                       imported_modules("from opsconsole.models import TaskRun\nimport opsconsole.taskingx")))


def test_the_import_check_follows_imports_through_other_modules():
    # The console's admin screens over payment data offer tasks: reaching them reaches tasking.
    chain = modules_reached("payments")["opsconsole.tasking.admin"]
    assert chain[0].startswith("payments.") and chain[-1] == "opsconsole.tasking.admin"


def test_no_module_of_the_audit_trail_reaches_the_task_framework_even_through_another_module():
    reaching = {module: " -> ".join(chain) for module, chain in modules_reached("audit").items()
                if in_the_task_framework(module)}
    assert reaching == {}, "the audit trail imports the task framework"


def test_the_task_framework_supplies_every_tasks_title_to_the_trail():
    assert task_titles() == {task.slug: task.title for task in registry.all()}
    assert task_titles()["release-risk-hold"] == "Release an item's payment from risk review"
