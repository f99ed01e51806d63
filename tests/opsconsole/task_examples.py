"""For every registered task: how to build a target it can run on, good parameters, and bad ones.

The conformance kit runs over every task in the registry; a task without an example here fails
the kit, so a new task cannot ship without passing it.
"""

from dataclasses import dataclass
from typing import Callable

from tests.factories import make_customer


@dataclass
class TaskExample:
    make_target: Callable
    good_params: dict
    bad_params: dict
    bad_field: str


TASK_EXAMPLES: dict[str, TaskExample] = {
    "change-email": TaskExample(
        make_target=lambda: make_customer(),
        good_params={"new_email": "fresh.address@example.com"},
        bad_params={"new_email": "not-an-email"},
        bad_field="new_email",
    ),
}
