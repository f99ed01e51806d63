"""Which panels the front page's dashboard has: each app registers its own from its `dashboard`
module, found at start-up (dashboard/apps.py); the registry is fixed once start-up ends.

A panel is shown to the people who hold its permission, which is the permission to open the list
its numbers count. It is built once per page from a `Viewing` (who, when) and rendered by its own
template, which receives what it built as `panel`.
"""

import datetime
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils import timezone

from dashboard.metrics import Metric
from opsconsole.startup_registry import StartupRegistry

# Panels that count recent problems count them over this many days back from today, the same
# for every panel so that the headline's numbers cover the same days.
LOOKBACK_DAYS = 7

Value = TypeVar("Value")


@dataclass
class Viewing:
    """One person looking at the dashboard at one moment. `once` works out a value several
    panels read (the late batches, say) a single time for the page."""

    user: Any
    now: datetime.datetime
    _worked_out: dict[Callable, Any] = field(default_factory=dict, init=False, repr=False)

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)

    @property
    def since(self) -> datetime.date:
        """The first day counted by panels that count over the last LOOKBACK_DAYS."""
        return self.today - datetime.timedelta(days=LOOKBACK_DAYS)

    def once(self, work_out: Callable[["Viewing"], Value]) -> Value:
        """`work_out(viewing)`, called the first time any panel asks for it on this page."""
        if work_out not in self._worked_out:
            self._worked_out[work_out] = work_out(self)
        return self._worked_out[work_out]


@dataclass(frozen=True, kw_only=True)
class PanelContent:
    """What a panel built for one viewing. `headline`: its numbers in the row at the top of the
    page, in panel order. Panels subclass it with what their template reads."""

    headline: list[Metric] = field(default_factory=list)


class Placement(enum.Enum):
    NOTICE = "notice"  # above the headline, a sentence such as an alarm; not a part of the grid
    SECTION = "section"  # a box in the grid below the headline


@dataclass(frozen=True)
class Panel:
    """One part of the dashboard, contributed by the app whose records it shows.

    `name` is unique; `permission` ("app_label.codename") is the one a person needs to see the
    panel; `build(viewing)` returns its PanelContent, reading only what that person may see;
    `template` renders it; `order` places it among the others (lower first, in its placement);
    `shows` names what it shows ("batches") in the sentence people with no panel read.
    """

    name: str
    permission: str
    build: Callable[[Viewing], PanelContent]
    template: str
    order: int
    placement: Placement = Placement.SECTION
    shows: str = ""


class PanelRegistry(StartupRegistry[Panel]):
    too_late = "Panel {key!r} registered after start-up; register it from its app's dashboard module."
    duplicate = "Two dashboard panels share the name {key!r}."

    def register(self, panel: Panel) -> Panel:
        return self.add(panel.name, panel)

    def all(self) -> list[Panel]:
        """Every panel, in order."""
        return sorted(self.entries(), key=lambda panel: (panel.order, panel.name))

    def panels_for(self, *, user) -> list[Panel]:
        """The panels `user` may see, in order."""
        return [panel for panel in self.all() if user.has_perm(panel.permission)]


registry = PanelRegistry()
register = registry.register
