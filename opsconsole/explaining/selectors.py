from dataclasses import dataclass

from opsconsole.explaining.base import Explanation, Verdict
from opsconsole.explaining.registry import registry


@dataclass(frozen=True)
class Answer:
    question: str
    verdict: Verdict


def object_explain(*, obj, user=None) -> list[Answer]:
    """Every registered explanation's verdict on `obj`; with `user`, only those they may read."""
    return [Answer(explanation.question, explanation.explain(obj)) for explanation in registry.for_object(obj)
            if user is None or explanation.readable_by(user)]


def explanation_models() -> set:
    return registry.models()


__all__ = ["Answer", "Explanation", "object_explain", "explanation_models"]
