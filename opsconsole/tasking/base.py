"""The base class every task module subclasses.

A task is one operation ops staff may run on one object: change a customer's email, remove a
seller fee. Its author writes the rules (`validate`), what would change (`preview`) and the
change itself (`execute`); the framework supplies the permission, the audit record, approval,
atomicity and the screens.
"""

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from django import forms
from django.db import models


class Risk(models.TextChoices):
    LOW = "low", "Low: runs at once"
    HIGH = "high", "High: needs a second person's approval"


@dataclass(frozen=True)
class FieldChange:
    """One field of one record, before and after: a line of the preview and of the audit diff."""

    record: str
    field: str
    before: Any
    after: Any

    def as_dict(self) -> dict:
        return {key: _plain(value) for key, value in asdict(self).items()}


def _plain(value):
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


class OpsTask:
    """Subclass, set the class attributes, implement the three hooks, and register the class."""

    slug: ClassVar[str]
    title: ClassVar[str]
    model: ClassVar[type[models.Model]]
    form_class: ClassVar[type[forms.Form]]
    description: ClassVar[str] = ""
    risk: ClassVar[Risk] = Risk.LOW

    @classmethod
    def permission_codename(cls) -> str:
        return f"run_{cls.slug.replace('-', '_')}"

    @classmethod
    def permission_name(cls) -> str:
        """The dotted name for `user.has_perm`: the task's own permission, on its model's app."""
        return f"{cls.model._meta.app_label}.{cls.permission_codename()}"

    def requires_approval(self, target, params: dict) -> bool:
        """Whether this run waits for a second person. High-risk tasks always do; a task may
        also ask for approval above a threshold of its own (a large fee, a large batch)."""
        return self.risk == Risk.HIGH

    def validate(self, target, params: dict) -> None:
        """Raise OpsError (with `field=` where one parameter is at fault) if the run must not
        happen. Called before preview and again, under a row lock, just before execute."""

    def preview(self, target, params: dict) -> list[FieldChange]:
        """What execute would change, field by field. Must not write anything."""
        raise NotImplementedError

    def execute(self, target, params: dict, run) -> str:
        """Make the change and return a one-line summary for the result page.

        Runs inside one database transaction with the target locked: raise to roll it all back.
        `run` is the TaskRun being executed (for progress and checkpoints of long tasks).
        """
        raise NotImplementedError
