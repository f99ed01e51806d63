"""Resend a platform's failing callbacks together: the ones selected in the callbacks list, or all
of them, in one run that the run page follows chunk by chunk.

A platform whose endpoint was down has thousands of failing callbacks once it is back, so the run
works in the background: each chunk locks its callbacks, queues those still failing or abandoned
in two statements, and counts the others as skipped, so that no callback is queued twice, by a
resumed run, a second run, or `resend-callback` on one of them meanwhile.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template.defaultfilters import pluralize

from accounts.models import Platform
from opsconsole.admin_urls import task_page_url
from opsconsole.errors import OpsError
from opsconsole.tasking.base import Chunk, FieldChange, OpsTask
from opsconsole.tasking.history import change_reason_for
from opsconsole.tasking.registry import register
from payments.models import Callback
from payments.ops.resend_callback import refuse_unless_platform_takes_callbacks
from payments.selectors import (
    CALLBACK_FAILURE_STATUSES,
    CALLBACK_NOT_RESENT_BECAUSE,
    callbacks_selected,
    callbacks_to_resend_locked,
    platform_callback_newest_failing_id,
    platform_callbacks_failing,
    platform_callbacks_failing_up_to,
)
from payments.services import callbacks_queue_for_redelivery

SLUG = "resend-failing-callbacks"
SELECTED, ALL_FAILING = "selected", "all_failing"
MAX_SELECTED = 10_000
# The task page's address carries a list's selection; a few hundred ids keep it well inside the
# 4 KB request line that servers such as gunicorn accept.
MAX_HANDED_OVER = 250
LISTED_IN_PREVIEW = 50
NAMED_IN_MESSAGES = 10
CHUNK_SIZE = 500
# Past this many, the platform's API page says "more than" instead of reading the whole backlog.
COUNTED_ON_PAGE = 1_000

RESENT = "resent"
SKIPPED = "skipped: {why}"
NO_LONGER_FAILING = "no longer failing"

NOT_AN_ID = "“{value}” is not a callback id: list ids as whole numbers separated by commas or spaces."
TOO_MANY_IDS = f"List at most {MAX_SELECTED:,} callbacks, or choose all failing callbacks of this platform."
NO_IDS = "List the callbacks to resend by id, or choose all failing callbacks of this platform."
IDS_WITH_ALL = "Leave the ids empty to resend all failing callbacks, or choose “The callbacks listed”."
ONE_PLATFORM = "a run resends one platform's callbacks, so select callbacks of one platform."
OF_OTHER_PLATFORMS = "{callbacks} belong{verb_ending} to another platform, not {platform}: " + ONE_PLATFORM
SELECTION_SPANS_PLATFORMS = "The selected callbacks belong to {count} platforms ({platforms}): " + ONE_PLATFORM
MISSING = "There is no {callbacks}."
NONE_SELECTED_FAILING = "None of the selected callbacks is failing: nothing to resend."
NONE_FAILING = "{platform} has no failing callbacks to resend."
TOO_MANY_TO_HAND_OVER = (f"Select at most {MAX_HANDED_OVER:,} callbacks at a time, or resend all failing callbacks "
                         "of the platform from its API traffic page.")


def named(callback_ids: list[int], *, shown: int = NAMED_IN_MESSAGES, start: bool = False) -> str:
    """"callbacks #3, #4 and 12 more" for a message ("Callbacks …" to `start` a sentence)."""
    text = ", ".join(f"#{callback_id}" for callback_id in callback_ids[:shown])
    more = len(callback_ids) - shown
    word = "Callback" if start else "callback"
    return f"{word}{pluralize(len(callback_ids))} {text}" + (f" and {more:,} more" if more > 0 else "")


class CallbackIdsField(forms.CharField):
    """Callback ids separated by commas or spaces ("#" before one allowed, as the console shows
    them), cleaned to a sorted list without repeats."""

    def to_python(self, value) -> list[int]:
        callback_ids = set()
        for part in re.split(r"[\s,]+", super().to_python(value)):
            if not part:
                continue
            number = re.fullmatch(r"#?([0-9]{1,18})", part)
            if number is None:
                raise ValidationError(NOT_AN_ID.format(value=part[:40]), code="invalid")
            callback_ids.add(int(number.group(1)))
        if len(callback_ids) > MAX_SELECTED:
            raise ValidationError(TOO_MANY_IDS, code="max_length")
        return sorted(callback_ids)


class ResendFailingCallbacksForm(forms.Form):
    which = forms.ChoiceField(
        label="Which callbacks",
        choices=[(SELECTED, "The callbacks listed"), (ALL_FAILING, "All failing callbacks of this platform")],
        # Opened from the platform's pages; the callbacks list hands its selection over as "selected".
        initial=ALL_FAILING,
    )
    callback_ids = CallbackIdsField(
        label="Callback ids", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The callbacks to resend, separated by commas or spaces: the callbacks list's selection "
                  "fills them in. Leave empty for all failing callbacks.",
    )

    def clean(self):
        cleaned = super().clean()
        if "callback_ids" in self.errors:
            return cleaned
        if cleaned.get("which") == SELECTED and not cleaned.get("callback_ids"):
            self.add_error("callback_ids", NO_IDS)
        elif cleaned.get("which") == ALL_FAILING and cleaned.get("callback_ids"):
            self.add_error("callback_ids", IDS_WITH_ALL)
        return cleaned


@dataclass
class ResendPlan:
    """What a run would do: how many callbacks it resends, the first of them, and the selected
    ones it leaves alone, by their status."""

    count: int
    listed: list[Callback]
    not_resent: dict[str, list[int]] = field(default_factory=dict)


@register
class ResendFailingCallbacks(OpsTask):
    slug = SLUG
    title = "Resend a platform's failing callbacks"
    description = ("Deliver a platform's failing callbacks again, at its current callback URL: those selected in "
                   "the callbacks list, or all of them. Callbacks already pending, or delivered since, are left "
                   "alone and counted.")
    model = Platform
    form_class = ResendFailingCallbacksForm
    runs_in_background = True
    work_unit = "callbacks"
    # No group shared with `resend-callback`: that run holds a callback, this one its platform, so
    # the database could not keep them apart anyway. Each callback's own status, read under its
    # row lock by both, does: only one still failing is queued.

    def validate(self, platform, params):
        refuse_unless_platform_takes_callbacks(platform)
        if params["which"] == ALL_FAILING:
            if not platform_callbacks_failing(platform=platform).exists():
                raise OpsError(NONE_FAILING.format(platform=platform.name))
            return
        selection = callbacks_selected(platform=platform, callback_ids=params["callback_ids"])
        if selection.missing:
            raise OpsError(MISSING.format(callbacks=named(selection.missing)), field="callback_ids")
        if selection.of_other_platforms:
            others = selection.of_other_platforms
            raise OpsError(OF_OTHER_PLATFORMS.format(callbacks=named(others, start=True),
                                                     verb_ending=pluralize(others, "s,"), platform=platform.name),
                           field="callback_ids")
        if not selection.failing:
            raise OpsError(NONE_SELECTED_FAILING, field="callback_ids")

    def plan(self, platform, params) -> ResendPlan:
        if params["which"] == ALL_FAILING:
            failing = platform_callbacks_failing(platform=platform)
            return ResendPlan(failing.count(), list(failing[:LISTED_IN_PREVIEW]))
        selection = callbacks_selected(platform=platform, callback_ids=params["callback_ids"])
        listed = Callback.objects.filter(pk__in=selection.failing[:LISTED_IN_PREVIEW]).order_by("id")
        return ResendPlan(len(selection.failing), list(listed), selection.not_resent)

    def preview(self, platform, params):
        plan = self.plan(platform, params)
        changes = [FieldChange(f"{plan.count:,} callback{pluralize(plan.count)} of {platform.name}", "status",
                               "failing or abandoned", f"pending: delivered again to {platform.callback_url}")]
        changes += [FieldChange(str(callback), "status", callback.get_status_display(), Callback.Status.PENDING.label)
                    for callback in plan.listed]
        if (more := plan.count - len(plan.listed)) > 0:
            changes.append(FieldChange(f"and {more:,} more", "status", "failing or abandoned",
                                       Callback.Status.PENDING.label))
        for status, callback_ids in plan.not_resent.items():
            changes.append(FieldChange(f"{named(callback_ids, start=True)}: skipped", "status",
                                       Callback.Status(status).label,
                                       f"unchanged: {CALLBACK_NOT_RESENT_BECAUSE[status]}"))
        return changes

    def count_work(self, platform, params):
        if params["which"] == ALL_FAILING:
            return platform_callbacks_failing(platform=platform).count()
        return len(params["callback_ids"])

    def execute_chunk(self, platform, params, cursor, run):
        """The cursor is the last callback id worked through and, for all failing callbacks, the
        newest failing one when the run started: callbacks failing after that are not this run's."""
        after = cursor["after"] if cursor else 0
        if params["which"] == ALL_FAILING:
            up_to = cursor["up_to"] if cursor else platform_callback_newest_failing_id(platform=platform)
            callbacks = callbacks_to_resend_locked(platform=platform, after_id=after, up_to_id=up_to, limit=CHUNK_SIZE)
            worked_through = [callback_id for callback_id, _ in callbacks]
        else:
            up_to = None
            worked_through = [callback_id for callback_id in params["callback_ids"] if callback_id > after][:CHUNK_SIZE]
            callbacks = callbacks_to_resend_locked(platform=platform, callback_ids=worked_through, limit=CHUNK_SIZE)
        finished = len(worked_through) < CHUNK_SIZE
        tally = Counter()
        to_resend = []
        for callback_id, status in callbacks:
            if status in CALLBACK_FAILURE_STATUSES:
                to_resend.append(callback_id)
            else:
                tally[SKIPPED.format(why=CALLBACK_NOT_RESENT_BECAUSE[status])] += 1
        if to_resend:
            tally[RESENT] += callbacks_queue_for_redelivery(callback_ids=to_resend, user=run.requested_by,
                                                            change_reason=change_reason_for(run))
        done = len(worked_through)
        if finished and params["which"] == ALL_FAILING:
            # Counted at the start, delivered or queued by someone else before their chunk came.
            if (gone := run.progress_total - run.progress_done - done) > 0:
                tally[SKIPPED.format(why=NO_LONGER_FAILING)] += gone
                done += gone
        last = worked_through[-1] if worked_through else after
        return Chunk(cursor={"after": last, "up_to": up_to}, done=done, tally=dict(tally), finished=finished)

    def finish(self, platform, params, run):
        resent = run.tally.get(RESENT, 0)
        skipped = "; ".join(f"{count:,} {name}" for name, count in sorted(run.tally.items()) if name != RESENT)
        return (f"{resent:,} callback{pluralize(resent)} of {platform.name} will be delivered again to "
                f"{platform.callback_url}" + (f"; {skipped}" if skipped else "") + ".")


def page_for_selection(*, callbacks: QuerySet) -> str:
    """The task page with a list's selection of callbacks filled in. Raises OpsError when the
    selection spans platforms, or is too large to carry and is not all the platform's failing
    callbacks (those are then asked for as such)."""
    platforms = list(Platform.objects.filter(pk__in=callbacks.order_by().values("platform_id")).order_by("name"))
    if len(platforms) != 1:
        names = ", ".join(platform.name for platform in platforms[:NAMED_IN_MESSAGES])
        raise OpsError(SELECTION_SPANS_PLATFORMS.format(count=len(platforms), platforms=names))
    [platform] = platforms
    callback_ids = list(callbacks.order_by("id").values_list("id", flat=True)[:MAX_HANDED_OVER + 1])
    if len(callback_ids) <= MAX_HANDED_OVER:
        return task_page_url(slug=SLUG, target_id=platform.pk, which=SELECTED,
                             callback_ids=" ".join(map(str, callback_ids)))
    all_failing = platform_callbacks_failing(platform=platform)
    if callbacks.filter(status__in=CALLBACK_FAILURE_STATUSES).count() == all_failing.count():
        return task_page_url(slug=SLUG, target_id=platform.pk, which=ALL_FAILING)
    raise OpsError(TOO_MANY_TO_HAND_OVER)


@dataclass(frozen=True)
class PlatformOffer:
    """The link on the platform's API page: its words and where it leads."""

    title: str
    url: str


def offer_on_platform(*, platform: Platform, user) -> PlatformOffer | None:
    """"Resend 12 failing callbacks" for a person who may, on a platform that takes callbacks and
    has failing ones; else None. One short read at most."""
    if not user.has_perm(ResendFailingCallbacks.permission_name()):
        return None
    try:
        refuse_unless_platform_takes_callbacks(platform)
    except OpsError:
        return None
    failing = platform_callbacks_failing_up_to(platform=platform, limit=COUNTED_ON_PAGE)
    if not failing:
        return None
    count = f"{failing:,}" if failing <= COUNTED_ON_PAGE else f"more than {COUNTED_ON_PAGE:,}"
    return PlatformOffer(f"Resend {count} failing callback{pluralize(failing)}",
                         task_page_url(slug=SLUG, target_id=platform.pk, which=ALL_FAILING))
