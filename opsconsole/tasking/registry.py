"""Which tasks exist. Filled once at start-up from every app's `ops/` package, then fixed."""

import pkgutil
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from opsconsole.startup_registry import StartupRegistry
from opsconsole.tasking.base import OpsTask


class TaskRegistry(StartupRegistry[type[OpsTask]]):
    too_late = "Task {key!r} registered after start-up; add it to an ops/ package."
    duplicate = "Two tasks share the slug {key!r}."

    def register(self, task_class: type[OpsTask]) -> type[OpsTask]:
        return self.add(task_class.slug, task_class)

    def get(self, slug: str) -> OpsTask | None:
        task_class = self._entries.get(slug)
        return task_class() if task_class else None

    def all(self) -> list[OpsTask]:
        return [task_class() for task_class in sorted(self.entries(), key=lambda task_class: task_class.slug)]

    def for_model(self, model) -> list[OpsTask]:
        return [task for task in self.all() if task.model is model]


registry = TaskRegistry()
register = registry.register


def discover_task_modules() -> None:
    """Import every module of every installed app's `ops` package; real import errors propagate."""
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, "ops"):
            continue
        package = import_module(f"{app_config.name}.ops")
        for module in pkgutil.iter_modules(package.__path__):
            import_module(f"{package.__name__}.{module.name}")
    registry.freeze()
