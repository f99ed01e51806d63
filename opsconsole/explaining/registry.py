"""Which explanations exist: every app's `explain.py`, imported at start-up, then fixed."""

from opsconsole.explaining.base import Explanation
from opsconsole.startup_registry import StartupRegistry


class ExplanationRegistry(StartupRegistry[type[Explanation]]):
    too_late = "{key} registered after start-up; put it in an explain.py."
    duplicate = "{key} is registered twice."

    def register(self, explanation_class: type[Explanation]) -> type[Explanation]:
        return self.add(f"{explanation_class.__module__}.{explanation_class.__qualname__}", explanation_class)

    def for_object(self, obj) -> list[Explanation]:
        explanations = (explanation_class() for explanation_class in self.entries()
                        if isinstance(obj, explanation_class.model))
        return [explanation for explanation in explanations if explanation.applies_to(obj)]

    def models(self) -> set:
        return {explanation_class.model for explanation_class in self.entries()}


registry = ExplanationRegistry()
register = registry.register


def discover_explanations() -> None:
    registry.fill_from_apps("explain")
