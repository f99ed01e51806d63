"""Which tasks exist. Filled once at start-up from every app's `ops/` package, then fixed."""

import pkgutil
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from opsconsole.tasking.base import OpsTask


class RegistryFrozen(RuntimeError):
    pass


class TaskRegistry:
    def __init__(self):
        self._tasks: dict[str, type[OpsTask]] = {}
        self._frozen = False

    def register(self, task_class: type[OpsTask]) -> type[OpsTask]:
        if self._frozen:
            raise RegistryFrozen(f"Task {task_class.slug!r} registered after start-up; add it to an ops/ package.")
        if task_class.slug in self._tasks:
            raise ValueError(f"Two tasks share the slug {task_class.slug!r}.")
        self._tasks[task_class.slug] = task_class
        return task_class

    def freeze(self) -> None:
        self._frozen = True

    def get(self, slug: str) -> OpsTask | None:
        task_class = self._tasks.get(slug)
        return task_class() if task_class else None

    def all(self) -> list[OpsTask]:
        return [task_class() for _, task_class in sorted(self._tasks.items())]

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
