"""Resend a platform's failing callbacks together: the preview counts and lists what a run would
resend and what it skips and why; a run queues exactly those, each once, and says how many; a
selection is one platform's; the callbacks list and the platform's page lead to it."""

import html
import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.urls import reverse

from accounts.models import Platform
from audit.models import AuditEvent
from opsconsole.admin_urls import task_page_url
from opsconsole.errors import OpsError
from opsconsole.models import TaskRun
from opsconsole.tasking.history import change_reason_for
from opsconsole.tasking.services import Origin, task_preview, task_run_request, task_run_resume
from payments.models import Callback
from payments.ops import resend_failing_callbacks
from payments.ops.resend_callback import CALLBACKS_OFF
from payments.ops.resend_failing_callbacks import (
    ALL_FAILING,
    IDS_WITH_ALL,
    MISSING,
    NO_IDS,
    NONE_FAILING,
    NONE_SELECTED_FAILING,
    NOT_AN_ID,
    OF_OTHER_PLATFORMS,
    SELECTED,
    SELECTION_SPANS_PLATFORMS,
    SLUG,
    TOO_MANY_TO_HAND_OVER,
)
from tests.batches.refused_writes import RAISED_BY_THE_DATABASE, row_write_refused
from tests.concurrency import awaited, row_locked_elsewhere, runs_released_together, started_in_threads, wait_until
from tests.conftest import require_service
from tests.factories import make_callback, make_platform

FAILING, ABANDONED = Callback.Status.FAILING, Callback.Status.ABANDONED
PENDING, DELIVERED = Callback.Status.PENDING, Callback.Status.DELIVERED
REASON = "Their endpoint is fixed: they asked for the missed callbacks"


def callbacks(platform, *statuses) -> list[Callback]:
    return [make_callback(platform=platform, status=status) for status in statuses]


def ids(callbacks_) -> str:
    return ", ".join(str(callback.pk) for callback in callbacks_)


def selected(callbacks_) -> dict:
    return {"which": SELECTED, "callback_ids": ids(callbacks_)}


ALL = {"which": ALL_FAILING, "callback_ids": ""}


def request(user, platform, params, **overrides) -> TaskRun:
    """The run is dispatched when the request commits: here, when it returns."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = task_run_request(slug=SLUG, target_id=platform.pk, raw_params=params, reason=REASON,
                               origin=Origin(user=user, source=TaskRun.Source.WEB), **overrides)
    run.refresh_from_db()
    return run


def statuses(callbacks_) -> list[str]:
    return [Callback.objects.get(pk=callback.pk).status for callback in callbacks_]


def queued_by(run) -> Counter:
    """How many times the run queued each callback: one history row per write."""
    return Counter(Callback.history.filter(history_change_reason=change_reason_for(run))
                   .values_list("id", flat=True))


@pytest.fixture
def platform(db):
    return make_platform(name="Tradie Hub")


class TestPreview:
    def test_counts_and_lists_the_selected_failing_callbacks_and_says_which_are_skipped_and_why(self, staff, platform):
        failing = callbacks(platform, FAILING, ABANDONED, FAILING)
        pending, delivered = callbacks(platform, PENDING, DELIVERED)
        callbacks(platform, FAILING)  # failing, but not selected
        preview = task_preview(slug=SLUG, target_id=platform.pk, user=staff["engineer"],
                               raw_params=selected([*failing, pending, delivered]))
        headline, *rows = preview.changes
        assert headline.record == "3 callbacks of Tradie Hub"
        assert headline.after == f"pending: delivered again to {platform.callback_url}"
        assert [row.record for row in rows] == [
            *(str(callback) for callback in failing),
            f"Callback #{pending.pk}: skipped", f"Callback #{delivered.pk}: skipped",
        ]
        assert [(row.before, row.after) for row in rows[3:]] == [
            ("Pending", "unchanged: already pending"), ("Delivered", "unchanged: delivered since")]
        assert statuses([*failing, pending, delivered]) == [FAILING, ABANDONED, FAILING, PENDING, DELIVERED]

    def test_all_failing_callbacks_are_counted_and_the_first_fifty_listed(self, staff, platform, monkeypatch):
        monkeypatch.setattr(resend_failing_callbacks, "LISTED_IN_PREVIEW", 2)
        failing = callbacks(platform, FAILING, ABANDONED, FAILING, FAILING)
        callbacks(platform, PENDING, DELIVERED)
        callbacks(make_platform(), FAILING)
        headline, *rows = task_preview(slug=SLUG, target_id=platform.pk, raw_params=ALL,
                                       user=staff["engineer"]).changes
        assert headline.record == "4 callbacks of Tradie Hub"
        assert [row.record for row in rows] == [str(failing[0]), str(failing[1]), "and 2 more"]


class TestRun:
    def test_resends_exactly_the_selected_failing_callbacks_once_and_the_audit_says_how_many(self, staff, platform):
        failing = callbacks(platform, FAILING, ABANDONED, FAILING)
        pending, delivered = callbacks(platform, PENDING, DELIVERED)
        not_selected = callbacks(platform, FAILING)
        run = request(staff["engineer"], platform, selected([*failing, pending, delivered]), ticket_reference="SUP-9")
        assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
        assert statuses(failing) == [PENDING] * 3
        assert statuses([pending, delivered, *not_selected]) == [PENDING, DELIVERED, FAILING]
        assert queued_by(run) == Counter({callback.pk: 1 for callback in failing})
        assert run.tally == {"resent": 3, "skipped: already pending": 1, "skipped: delivered since": 1}
        assert (run.progress_done, run.progress_total) == (5, 5)
        assert run.outcome == (f"3 callbacks of Tradie Hub will be delivered again to {platform.callback_url}; "
                               "1 skipped: already pending; 1 skipped: delivered since.")
        succeeded = AuditEvent.objects.get(task_run=run, action=AuditEvent.Action.TASK_SUCCEEDED)
        assert succeeded.summary == f"Resend a platform's failing callbacks: {run.outcome}"

    def test_all_failing_callbacks_in_chunks_and_no_other_callback(self, staff, platform, monkeypatch):
        monkeypatch.setattr(resend_failing_callbacks, "CHUNK_SIZE", 2)
        failing = callbacks(platform, FAILING, ABANDONED, FAILING, ABANDONED, FAILING)
        others = [*callbacks(platform, PENDING, DELIVERED), *callbacks(make_platform(), FAILING)]
        run = request(staff["lead"], platform, ALL)
        assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
        assert statuses(failing) == [PENDING] * 5
        assert statuses(others) == [PENDING, DELIVERED, FAILING]
        assert queued_by(run) == Counter({callback.pk: 1 for callback in failing})
        assert (run.chunks_committed, run.progress_done, run.progress_total, run.tally) == (3, 5, 5, {"resent": 5})

    def test_a_callback_resent_on_its_own_meanwhile_is_not_resent_again(self, staff, platform):
        first, second = callbacks(platform, FAILING, FAILING)
        alone = task_run_request(slug="resend-callback", target_id=first.pk, raw_params={}, reason=REASON,
                                 origin=Origin(user=staff["engineer"], source=TaskRun.Source.WEB))
        assert alone.status == TaskRun.Status.SUCCEEDED, alone.outcome
        together = request(staff["engineer"], platform, selected([first, second]))
        assert together.tally == {"resent": 1, "skipped: already pending": 1}
        assert queued_by(together) == Counter({second.pk: 1})
        again = task_run_request(slug="resend-callback", target_id=second.pk, raw_params={}, reason=REASON,
                                 origin=Origin(user=staff["engineer"], source=TaskRun.Source.WEB))
        assert again.status == TaskRun.Status.REJECTED and "already waiting to be delivered" in again.outcome


    def test_from_the_command_line_through_the_same_path(self, staff, platform, capsys):
        failing = callbacks(platform, FAILING, ABANDONED)
        command = ["opstask", "run", SLUG, "--as", "engineer", "--target", str(platform.pk),
                   "--param", f"which={SELECTED}", "--param", f"callback_ids={failing[1].pk} {failing[0].pk}"]
        call_command(*command, "--dry-run")
        assert "2 callbacks of Tradie Hub" in capsys.readouterr().out
        assert statuses(failing) == [FAILING, ABANDONED] and not TaskRun.objects.exists()
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command(*command, "--reason", REASON, "--ticket", "SUP-9")
        run = TaskRun.objects.get()
        assert (run.source, run.ticket_reference) == (TaskRun.Source.CLI, "SUP-9")
        assert statuses(failing) == [PENDING, PENDING]


class TestRefusals:
    def test_a_selection_across_two_platforms_is_refused_and_nothing_changes(self, staff, platform):
        ours = callbacks(platform, FAILING, FAILING)
        theirs = callbacks(make_platform(), FAILING)
        run = request(staff["engineer"], platform, selected([*ours, *theirs]))
        assert run.status == TaskRun.Status.REJECTED
        assert run.outcome == "callback_ids: " + OF_OTHER_PLATFORMS.format(
            callbacks=f"Callback #{theirs[0].pk}", verb_ending="s", platform="Tradie Hub")
        assert statuses([*ours, *theirs]) == [FAILING] * 3
        assert not Callback.history.filter(history_type="~").exists()

    def test_without_the_permission_nothing_is_resent(self, staff, platform):
        failing = callbacks(platform, FAILING)
        for person in ("ops", "developer", "auditor"):
            run = request(staff[person], platform, ALL)
            assert run.status == TaskRun.Status.REJECTED and run.outcome.startswith("permission: "), person
        assert statuses(failing) == [FAILING]

    @pytest.mark.parametrize("setting", [{"callbacks_enabled": False}, {"callback_url": ""}])
    def test_a_platform_that_takes_no_callbacks_is_refused_in_the_single_resends_words(self, staff, setting):
        platform = make_platform(**setting)
        failing = callbacks(platform, FAILING)
        single = task_run_request(slug="resend-callback", target_id=failing[0].pk, raw_params={}, reason=REASON,
                                  origin=Origin(user=staff["engineer"], source=TaskRun.Source.WEB))
        together = request(staff["engineer"], platform, ALL)
        assert together.status == single.status == TaskRun.Status.REJECTED
        assert together.outcome == single.outcome == CALLBACKS_OFF.format(platform=platform.name)
        assert statuses(failing) == [FAILING]

    def test_parameters_are_checked_and_named(self, staff, platform):
        failing = callbacks(platform, FAILING)
        delivered = callbacks(platform, DELIVERED)
        problems = {
            "twelve": NOT_AN_ID.format(value="twelve"),
            "": NO_IDS,
            "987654321": MISSING.format(callbacks="callback #987654321"),
            ids(delivered): NONE_SELECTED_FAILING,
        }
        for typed, problem in problems.items():
            with pytest.raises(OpsError) as refusal:
                task_preview(slug=SLUG, target_id=platform.pk, raw_params={"which": SELECTED, "callback_ids": typed},
                             user=staff["engineer"])
            assert (refusal.value.field, refusal.value.message) == ("callback_ids", problem), typed
        with pytest.raises(OpsError) as refusal:
            task_preview(slug=SLUG, target_id=platform.pk,
                         raw_params={"which": ALL_FAILING, "callback_ids": ids(failing)},
                         user=staff["engineer"])
        assert (refusal.value.field, refusal.value.message) == ("callback_ids", IDS_WITH_ALL)
        assert statuses([*failing, *delivered]) == [FAILING, DELIVERED]

    def test_ids_may_be_written_as_the_console_shows_them(self, staff, platform):
        first, second = callbacks(platform, FAILING, FAILING)
        preview = task_preview(slug=SLUG, target_id=platform.pk, user=staff["engineer"],
                               raw_params={"which": SELECTED, "callback_ids": f"#{second.pk}\n#{first.pk}, {first.pk}"})
        assert [change.record for change in preview.changes[1:]] == [str(first), str(second)]

    def test_a_platform_without_failing_callbacks_has_nothing_to_resend(self, staff, platform):
        callbacks(platform, DELIVERED, PENDING)
        run = request(staff["engineer"], platform, ALL)
        assert run.status == TaskRun.Status.REJECTED and run.outcome == NONE_FAILING.format(platform="Tradie Hub")


def changelist_action(client, selection, *, action="resend_selected_failing_callbacks"):
    return client.post(reverse("admin:payments_callback_changelist"),
                       {"action": action, "_selected_action": [callback.pk for callback in selection]})


class TestFromTheCallbacksList:
    def test_the_selection_opens_the_task_page_filled_in_and_its_preview_counts_it(self, client_as, platform):
        failing = callbacks(platform, FAILING, ABANDONED)
        delivered = callbacks(platform, DELIVERED)
        engineer = client_as("engineer")
        handed_over = changelist_action(engineer, [*failing, *delivered])
        assert handed_over.status_code == 302
        url = urlsplit(handed_over["Location"])
        assert url.path == task_page_url(slug=SLUG, target_id=platform.pk)
        typed = ids([*failing, *delivered]).replace(",", "")
        assert parse_qs(url.query) == {"which": [SELECTED], "callback_ids": [typed]}
        page = engineer.get(handed_over["Location"])
        assert page.context["params_form"]["callback_ids"].value() == ids([*failing, *delivered]).replace(",", "")
        preview = engineer.post(handed_over["Location"], {"step": "preview", **parse_qs(url.query)})
        assert preview.context["step"] == "preview"
        assert "2 callbacks of Tradie Hub" in preview.content.decode()
        assert statuses([*failing, *delivered]) == [FAILING, ABANDONED, DELIVERED]

    def test_a_selection_across_platforms_is_refused_with_a_message(self, client_as, platform):
        other = make_platform(name="Bazaar Market")
        selection = [*callbacks(platform, FAILING), *callbacks(other, FAILING)]
        engineer = client_as("engineer")
        refused = changelist_action(engineer, selection)
        assert refused.status_code == 302 and refused["Location"] == reverse("admin:payments_callback_changelist")
        shown = engineer.get(refused["Location"])
        said = [str(message) for message in shown.context["messages"]]
        assert said == [SELECTION_SPANS_PLATFORMS.format(count=2, platforms="Bazaar Market, Tradie Hub")]
        assert statuses(selection) == [FAILING, FAILING]
        assert not TaskRun.objects.exists()

    def test_only_people_who_may_resend_are_offered_the_action(self, client_as, platform):
        callbacks(platform, FAILING)
        for person, offered in (("engineer", True), ("lead", True), ("developer", False)):
            page = client_as(person).get(reverse("admin:payments_callback_changelist"))
            assert page.status_code == 200
            assert ("resend_selected_failing_callbacks" in page.content.decode()) is offered, person
        refused = changelist_action(client_as("developer"), callbacks(platform, FAILING))
        assert not refused.has_header("Location") or SLUG not in refused["Location"]

    def test_a_large_selection_of_every_failing_callback_asks_for_all_of_them(self, client_as, platform, monkeypatch):
        monkeypatch.setattr(resend_failing_callbacks, "MAX_HANDED_OVER", 2)
        failing = callbacks(platform, FAILING, ABANDONED, FAILING)
        delivered = callbacks(platform, DELIVERED)
        engineer = client_as("engineer")
        handed_over = changelist_action(engineer, [*failing, *delivered])
        assert handed_over["Location"] == task_page_url(slug=SLUG, target_id=platform.pk, which=ALL_FAILING)
        refused = changelist_action(engineer, failing[:2] + delivered)
        assert refused["Location"] == reverse("admin:payments_callback_changelist")
        said = [str(message) for message in engineer.get(refused["Location"]).context["messages"]]
        assert said == [TOO_MANY_TO_HAND_OVER]


def api_page(client, platform):
    page = client.get(reverse("platform-api", args=[platform.pk]))
    assert page.status_code == 200
    return page


class TestFromThePlatformsApiPage:
    def test_the_link_says_how_many_and_opens_the_task_for_all_of_them(self, client_as, platform):
        callbacks(platform, FAILING, ABANDONED, DELIVERED)
        page = api_page(client_as("engineer"), platform)
        offer = page.context["page"].resend_failing_callbacks
        url = task_page_url(slug=SLUG, target_id=platform.pk, which=ALL_FAILING)
        assert (offer.title, offer.url) == ("Resend 2 failing callbacks", url)
        link = re.search(r"<span data-resend-failing-callbacks>\s*<a href=\"([^\"]+)\"", page.content.decode())
        assert link and html.unescape(link[1]) == url

    def test_no_link_without_failing_callbacks_callbacks_or_the_permission(self, client_as, platform):
        callbacks(platform, DELIVERED, PENDING)
        assert api_page(client_as("engineer"), platform).context["page"].resend_failing_callbacks is None
        callbacks(platform, FAILING)
        for person in ("developer", "root"):
            offered = api_page(client_as(person), platform).context["page"].resend_failing_callbacks
            assert (offered is not None) is (person == "root"), person
        Platform.objects.filter(pk=platform.pk).update(callbacks_enabled=False)
        assert api_page(client_as("engineer"), platform).context["page"].resend_failing_callbacks is None
        assert "data-resend-failing-callbacks" not in api_page(client_as("engineer"), platform).content.decode()

    def test_a_backlog_is_not_counted_whole(self, client_as, platform, monkeypatch):
        monkeypatch.setattr(resend_failing_callbacks, "COUNTED_ON_PAGE", 2)
        callbacks(platform, FAILING, FAILING, FAILING)
        offer = api_page(client_as("lead"), platform).context["page"].resend_failing_callbacks
        assert offer.title == "Resend more than 2 failing callbacks"

    def test_the_task_page_asks_for_all_failing_callbacks_unless_given_a_selection(self, client_as, platform):
        callbacks(platform, FAILING)
        page = client_as("engineer").get(task_page_url(slug=SLUG, target_id=platform.pk))
        assert page.context["params_form"]["which"].value() == ALL_FAILING


@pytest.mark.django_db(transaction=True)
class TestAtOnce:
    def test_two_people_confirming_at_once_get_one_run_and_each_callback_is_queued_once(self, staff):
        require_service("PostgreSQL (the race is decided by its unique index)", connection.vendor == "postgresql")
        platform = make_platform(name="Tradie Hub")
        failing = callbacks(platform, FAILING, ABANDONED, FAILING)
        ask = [lambda person=person: request(staff[person], platform, ALL) for person in ("engineer", "lead")]
        # The first run waits for the platform's row, as a slow one would, while the second is asked for.
        with row_locked_elsewhere(Platform, platform.pk, no_key=True):
            with runs_released_together(2):
                threads, results = started_in_threads(*ask)
            wait_until(TaskRun.objects.filter(status=TaskRun.Status.REJECTED).exists, what="a request refused")
        runs = awaited(threads, results)
        for run in runs:
            run.refresh_from_db()
        [kept] = [run for run in runs if run.status != TaskRun.Status.REJECTED]
        [refused] = [run for run in runs if run.status == TaskRun.Status.REJECTED]
        assert kept.status == TaskRun.Status.SUCCEEDED, kept.outcome
        assert refused.blocked_by == kept
        assert refused.outcome.startswith(f"Run #{kept.pk} (Resend a platform's failing callbacks) is already ")
        assert statuses(failing) == [PENDING] * 3
        assert queued_by(kept) == Counter({callback.pk: 1 for callback in failing})
        assert not queued_by(refused)


@pytest.mark.django_db(transaction=True)
class TestResumed:
    def test_a_run_stopped_half_way_resumes_and_queues_no_callback_twice(self, staff, monkeypatch):
        require_service("PostgreSQL (a trigger refuses a write)", connection.vendor == "postgresql")
        monkeypatch.setattr(resend_failing_callbacks, "CHUNK_SIZE", 2)
        platform = make_platform(name="Tradie Hub")
        failing = callbacks(platform, FAILING, FAILING, ABANDONED, FAILING, FAILING)
        with row_write_refused(Callback, failing[3].pk, sqlstate=RAISED_BY_THE_DATABASE):
            run = request(staff["engineer"], platform, selected(failing))
        assert run.status == TaskRun.Status.FAILED
        assert ("What was kept: 2 of 5 callbacks worked through in 1 committed chunk(s) (2 resent); "
                "the rest is untouched.") in run.outcome
        assert statuses(failing) == [PENDING, PENDING, ABANDONED, FAILING, FAILING]
        task_run_resume(run_id=run.pk, user=staff["lead"])  # dispatched on commit: here, at once
        run.refresh_from_db()
        assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
        assert statuses(failing) == [PENDING] * 5
        assert queued_by(run) == Counter({callback.pk: 1 for callback in failing})
        assert run.tally == {"resent": 5}

    def test_all_failing_resumed_counts_those_delivered_meanwhile_as_skipped(self, staff, monkeypatch):
        require_service("PostgreSQL (a trigger refuses a write)", connection.vendor == "postgresql")
        monkeypatch.setattr(resend_failing_callbacks, "CHUNK_SIZE", 2)
        platform = make_platform(name="Tradie Hub")
        failing = callbacks(platform, FAILING, FAILING, FAILING, FAILING, FAILING)
        with row_write_refused(Callback, failing[2].pk, sqlstate=RAISED_BY_THE_DATABASE):
            run = request(staff["engineer"], platform, ALL)
        assert run.status == TaskRun.Status.FAILED
        Callback.objects.filter(pk=failing[4].pk).update(status=DELIVERED)  # the platform's own retry got through
        task_run_resume(run_id=run.pk, user=staff["engineer"])
        run.refresh_from_db()
        assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
        assert run.tally == {"resent": 4, "skipped: no longer failing": 1}
        assert (run.progress_done, run.progress_total) == (5, 5)
        assert queued_by(run) == Counter({callback.pk: 1 for callback in failing[:4]})
