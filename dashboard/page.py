"""The dashboard on the console's front page (unfold's DASHBOARD_CALLBACK, see settings;
templates/admin/index.html renders it).

It shows one person the panels they may see (dashboard/panels.py), each built once for the page:
the notices first, then every panel's numbers in one headline row, then the panels' sections.
Every number links to the admin list it counts, filtered the same way.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from dashboard.metrics import Metric
from dashboard.panels import Panel, PanelContent, PanelRegistry, Placement, Viewing, registry


@dataclass(frozen=True)
class ShownPanel:
    panel: Panel
    content: PanelContent


@dataclass(frozen=True)
class Dashboard:
    """The panels one person may see, built, in order; `subjects` says what the dashboard shows
    to the people who may open it, for someone who sees none of it."""

    shown: list[ShownPanel]
    subjects: str

    @property
    def notices(self) -> list[ShownPanel]:
        return [shown for shown in self.shown if shown.panel.placement is Placement.NOTICE]

    @property
    def sections(self) -> list[ShownPanel]:
        return [shown for shown in self.shown if shown.panel.placement is Placement.SECTION]

    @property
    def headline(self) -> list[Metric]:
        return [metric for shown in self.shown for metric in shown.content.headline]

    @property
    def is_empty(self) -> bool:
        return not self.shown

    def content(self, name: str) -> PanelContent | None:
        """What the panel called `name` built, or None when this person may not see it."""
        return next((shown.content for shown in self.shown if shown.panel.name == name), None)


def dashboard_callback(request, context):
    context["ops_dashboard"] = dashboard_for(user=request.user)
    return context


def dashboard_for(*, user, now: datetime.datetime | None = None, panels: PanelRegistry = registry) -> Dashboard:
    """The dashboard `user` sees at `now` (default: now), from the panels `panels` holds."""
    viewing = Viewing(user=user, now=now or timezone.now())
    shown = [ShownPanel(panel, panel.build(viewing)) for panel in panels.panels_for(user=user)]
    return Dashboard(shown=shown, subjects=_in_words([panel.shows for panel in panels.all() if panel.shows]))


def _in_words(names: list[str]) -> str:
    """The names as a sentence lists them: "batches, items and callbacks"."""
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
