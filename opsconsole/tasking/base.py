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

from opsconsole.wording import field_label


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


def diff_rows(changes, model: type[models.Model] | None) -> list[dict]:
    """`changes` (FieldChanges of a preview, or their dicts as a run keeps them) as the diff table
    shows them: each with the `label` people know its field by, a field of the task's target
    `model` by its own label ("Seller fee" for `seller_fee_amount`). What is kept is not changed."""
    rows = [change.as_dict() if isinstance(change, FieldChange) else dict(change) for change in changes]
    return [{**row, "label": field_label(model, str(row["field"]))} for row in rows]


@dataclass
class Chunk:
    """What one transaction of a background task did: where the next one starts, how many units
    of work it finished, and counts to add to the run's tally ("resubmitted": 40)."""

    cursor: Any
    done: int
    tally: dict[str, int]
    finished: bool = False


class NoParameters(forms.Form):
    """For a task whose target says everything: the run's reason is all it needs."""


class OpsTask:
    """Subclass, set the class attributes, implement the three hooks, and register the class.

    A task with `runs_in_background` implements `count_work`, `execute_chunk` and `finish`
    instead of `execute`: it runs on a worker, one transaction per chunk, and resumes from its
    last chunk if the worker dies.
    """

    slug: ClassVar[str]
    title: ClassVar[str]
    model: ClassVar[type[models.Model]]
    form_class: ClassVar[type[forms.Form]] = NoParameters
    description: ClassVar[str] = ""
    risk: ClassVar[Risk] = Risk.LOW
    runs_in_background: ClassVar[bool] = False
    # Tasks that must not run on one object at the same time share a group: while a run of the
    # group waits for approval, is queued or runs on an object, the database refuses another.
    # Empty: the task conflicts only with itself.
    conflict_group: ClassVar[str] = ""
    # Background tasks: what one unit of `count_work` is, in the plural ("entries").
    work_unit: ClassVar[str] = "units"

    @classmethod
    def conflict_group_name(cls) -> str:
        return cls.conflict_group or cls.slug

    @classmethod
    def permission_codename(cls) -> str:
        return f"run_{cls.slug.replace('-', '_')}"

    @classmethod
    def permission_name(cls) -> str:
        """The dotted name for `user.has_perm`: the task's own permission, on its model's app."""
        return f"{cls.model._meta.app_label}.{cls.permission_codename()}"

    def params_form(self, target, **kwargs) -> forms.Form:
        """The parameters' form as the task page shows it for `target` (`kwargs` as a form takes
        them). A task may offer the target's own choices here (the item's fees) where the
        parameter is an id; the submitted values are validated by `form_class` all the same."""
        return self.form_class(**kwargs)

    def requires_approval(self, target, params: dict) -> bool:
        """Whether this run waits for a second person. High-risk tasks always do; a task may
        also ask for approval above a threshold of its own (a large fee, a large batch)."""
        return self.risk == Risk.HIGH

    def validate_target(self, target) -> None:
        """Raise OpsError if the task cannot apply to `target` whatever the parameters (an item
        already paid for cannot be cancelled). The object's page shows the task disabled with this
        message, and every run checks it just before `validate`, so the rule is written once.
        It runs each time the object's page is shown, inside the page's query budget: read only
        the target's own fields (and relations its page already fetches with it); rules that
        must read other records belong in `validate`."""

    def validate(self, target, params: dict) -> None:
        """Raise OpsError (with `field=` where one parameter is at fault) if the run must not
        happen. Called, after `validate_target`, before preview and again, under a row lock, just
        before execute."""

    def preview(self, target, params: dict) -> list[FieldChange]:
        """What execute would change, field by field. Must not write anything."""
        raise NotImplementedError

    def execute(self, target, params: dict, run) -> str:
        """Make the change and return a one-line summary for the result page.

        Runs inside one database transaction with the target locked: raise to roll it all back.
        `run` is the TaskRun being executed (for progress and checkpoints of long tasks).
        """
        raise NotImplementedError

    def count_work(self, target, params: dict) -> int:
        """Background tasks: how many units of work there are, for the progress bar."""
        raise NotImplementedError

    def execute_chunk(self, target, params: dict, cursor, run) -> Chunk:
        """Background tasks: do the next piece of work after `cursor` (None at the start) and say
        where the next piece starts. Runs in its own transaction with the run's checkpoint, so a
        chunk is applied exactly once even if the worker dies and another resumes the run.

        Touch only rows still in the state the chunk expects, read under a row lock, and tally
        the others as skipped: then no row is applied twice even by a second run of the task
        requested after this one failed half-way."""
        raise NotImplementedError

    def finish(self, target, params: dict, run) -> str:
        """Background tasks: the last step, in the same transaction as the last chunk; returns the
        summary for the result page (`run.tally` holds the counts)."""
        raise NotImplementedError
