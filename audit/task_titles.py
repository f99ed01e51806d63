"""The titles of the tasks the trail's events name by slug.

The trail records every step of a task run but knows nothing of tasks themselves: the task
framework, which writes those steps, tells it their titles once, at start-up
(opsconsole/tasking/audit_events.py). The audit screen's task filter and the daily review's
groups read them here.
"""

from collections.abc import Callable, Iterable

TaskTitles = Callable[[], Iterable[tuple[str, str]]]

# The function giving (slug, title) pairs; None until start-up supplies it.
_supplied: TaskTitles | None = None


def supply_task_titles(titles: TaskTitles) -> None:
    """Let `titles` answer for the tasks' titles from now on: a function giving each task's
    (slug, title), called on every read. Supplied once, at start-up; a second supply replaces the
    first."""
    global _supplied
    _supplied = titles


def task_titles() -> dict[str, str]:
    """Every task's title by its slug, in the order supplied; empty until supplied."""
    return dict(_supplied()) if _supplied is not None else {}

