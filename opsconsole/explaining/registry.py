"""Which explanations exist: every app's `explain.py`, imported at start-up, then fixed."""

from django.utils.module_loading import autodiscover_modules

from opsconsole.explaining.base import Explanation


class ExplanationRegistry:
    def __init__(self):
        self._explanations: list[type[Explanation]] = []
        self._frozen = False

    def register(self, explanation_class: type[Explanation]) -> type[Explanation]:
        if self._frozen:
            raise RuntimeError(f"{explanation_class.__name__} registered after start-up; put it in an explain.py.")
        self._explanations.append(explanation_class)
        return explanation_class

    def freeze(self) -> None:
        self._frozen = True

    def for_object(self, obj) -> list[Explanation]:
        explanations = (explanation_class() for explanation_class in self._explanations
                        if isinstance(obj, explanation_class.model))
        return [explanation for explanation in explanations if explanation.applies_to(obj)]

    def models(self) -> set:
        return {explanation_class.model for explanation_class in self._explanations}


registry = ExplanationRegistry()
register = registry.register


def discover_explanations() -> None:
    autodiscover_modules("explain")
    registry.freeze()
