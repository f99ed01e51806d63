"""Explanations: a verdict on one object, in plain words, with the evidence and the next step.

An explanation answers one question about one kind of object ("why is this item in its
state?"). It only reads. Its verdict follows the pattern of the best payment dashboards:
a machine code, a description, the evidence, the next step, and whether retrying can help.
"""

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import models


@dataclass(frozen=True)
class Evidence:
    """A fact the verdict rests on; `record` links it to the object it came from."""

    label: str
    value: Any
    record: models.Model | None = None


@dataclass(frozen=True)
class SuggestedTask:
    """A task that fixes the cause, pre-filled; still gated by the task's own permission."""

    slug: str
    target_id: Any
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    code: str
    summary: str
    next_step: str
    evidence: list[Evidence] = field(default_factory=list)
    retry_can_help: bool | None = None
    task: SuggestedTask | None = None
    tell_the_customer: str = ""
    # Where several things stand in the way at once: each as its own verdict, in the order they
    # must be dealt with. The verdict itself names them all; its task is the first one's.
    blockers: tuple["Verdict", ...] = ()

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "summary": self.summary,
            "next_step": self.next_step,
            "retry_can_help": self.retry_can_help,
            "tell_the_customer": self.tell_the_customer,
            "blockers": [{"code": blocker.code, "summary": blocker.summary, "next_step": blocker.next_step}
                         for blocker in self.blockers],
            "evidence": [
                {"label": item.label, "value": str(item.value),
                 "record": f"{item.record._meta.label_lower}:{item.record.pk}" if item.record is not None else None}
                for item in self.evidence
            ],
            "task": {"slug": self.task.slug, "target_id": self.task.target_id, "params": self.task.params}
            if self.task else None,
        }


class Explanation:
    """Subclass, set `model` and `question`, implement `explain`, and register the class."""

    model: ClassVar[type[models.Model]]
    question: ClassVar[str]
    # What a person needs, besides viewing the object, to read the answer: its evidence comes from
    # records of those kinds (a platform's API requests, its callbacks).
    reader_permissions: ClassVar[tuple[str, ...]] = ()

    def readable_by(self, user) -> bool:
        return all(user.has_perm(permission) for permission in self.reader_permissions)

    def applies_to(self, obj) -> bool:
        """Whether the question makes sense for this object (a seller's payouts, not a buyer's)."""
        return True

    def explain(self, obj) -> Verdict:
        """The verdict. Reads only: never writes to the database."""
        raise NotImplementedError
