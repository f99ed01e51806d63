"""The permission matrix: every role of opsconsole/roles.py, a staff member with no role
(`nobody`) and a superuser (`root`), against

- every registered task, over HTTP (the task page, a preview, a confirmed request) and over the
  command line (`opstask run --as`), and the approval of a waiting request;
- every list and detail page the admin site registers;
- the console's own pages (search, dashboard, standup, reports, triage, daily review, platform
  page) and the support actions that write;
- `explain --as` on every kind of object that has explanations.

Each expectation is read from the permissions the roles hold in opsconsole/roles.py, never from
the code under test, so a page or task that forgets its check fails here. Refusals are checked to
write nothing.
"""

import datetime
from dataclasses import dataclass
from io import StringIO
from typing import Callable

import pytest
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import URLPattern, reverse
from django.utils import timezone
from model_bakery import baker

from config import urls as console_urls
from opsconsole.business_calendar import SUPPORT_CALENDAR
from opsconsole.explaining.selectors import explanation_models
from opsconsole.models import StaffPlatformAccess, TaskRun
from opsconsole.roles import OPS_AGENT, ROLES
from opsconsole.tasking.base import Risk
from opsconsole.tasking.registry import registry
from opsconsole.tasking.services import Origin, task_run_request
from payments.models import ItemState
from support.models import Article, Bug, RotaWeek, SavedAnswer, Ticket, TicketKind
from support.services.tickets import ticket_add_message, ticket_create
from tests.admin_models import registered_models
from tests.factories import PaymentsWorld, make_item, make_payments_world
from tests.opsconsole.task_examples import TASK_EXAMPLES
from tests.opsconsole.test_task_conformance import tracked_models

PEOPLE = (*(role.demo_username for role in ROLES), "nobody", "root")
HELD = {role.demo_username: role.permissions for role in ROLES}


def holds(person: str, *permissions: str) -> bool:
    """What the role grants: a superuser holds everything, `nobody` nothing."""
    return person == "root" or all(permission in HELD.get(person, ()) for permission in permissions)


def may_view(person: str, model: type[models.Model]) -> bool:
    """Django's admin opens a list or a detail page to whoever may view or change the model."""
    app_label, name = model._meta.app_label, model._meta.model_name
    return holds(person, f"{app_label}.view_{name}") or holds(person, f"{app_label}.change_{name}")


def run_permission(slug: str) -> str:
    """Each task's own permission, named by the convention of opsconsole/tasking/permissions.py."""
    task = registry.get(slug)
    return f"{task.model._meta.app_label}.run_{slug.replace('-', '_')}"


def test_the_matrix_reads_the_roles():
    assert holds("root", "anything.at_all") and not holds("nobody", "payments.view_item")
    assert holds("ops", "payments.view_item") and not holds("ops", "payments.view_callback")
    assert holds("lead", "opsconsole.approve_taskrun") and not holds("engineer", "opsconsole.approve_taskrun")
    assert not any(holds(person, run_permission(slug)) for person in ("developer", "auditor", "nobody")
                   for slug in TASK_EXAMPLES)


# Data for the pages: one of everything, made once for the module.


@dataclass
class ConsoleData:
    world: PaymentsWorld
    ticket: Ticket
    week: RotaWeek
    answer: SavedAnswer
    article: Article
    run: TaskRun

    def detail_object(self, model: type[models.Model]) -> models.Model:
        """The object whose detail page the matrix opens: the world's for payments data and
        staff, the console's own records, or any row of a model added since (made if none)."""
        if model in self.world.rows or model in (User, Group):
            return self.world.detail_object(model)
        known = {Ticket: self.ticket, RotaWeek: self.week, SavedAnswer: self.answer, Article: self.article,
                 TaskRun: self.run}
        if model in known:
            return known[model]
        return model._default_manager.order_by("pk").first() or baker.make(model)


def this_monday() -> datetime.date:
    today = timezone.localdate(timezone.now(), SUPPORT_CALENDAR.time_zone)
    return today - datetime.timedelta(days=today.weekday())


@pytest.fixture(scope="module")
def module_data(module_clients) -> ConsoleData:
    world = make_payments_world(1)
    people = {username: User.objects.get(username=username) for username in PEOPLE}
    week = RotaWeek.objects.create(week_starting=this_monday(), on_duty=people["engineer"], lead=people["lead"])
    ticket = ticket_create(kind=TicketKind.EXTERNAL_OPS_PROBLEM, subject="Card declined twice",
                           description="The buyer asks why", requester_name="Maria",
                           requester_email="maria@platform.example.com", platform=world.platform)
    ticket_add_message(ticket=ticket, author=people["engineer"], visibility="internal", body="Looking into it")
    Bug.objects.create(title="Callbacks sent twice", steps_to_reproduce="Pay", expected_behaviour="Once",
                       actual_behaviour="Twice", severity=Bug.Severity.S3, fix_due_at=timezone.now())
    answer = SavedAnswer.objects.create(title="Declined cards", body="Hello {requester_name}, ...")
    article = Article.objects.create(title="Why cards are declined", slug="why-cards-are-declined",
                                     body="Issuers decline for many reasons.")
    StaffPlatformAccess.objects.create(user=User.objects.create_user("limited", is_staff=True)).platforms.add(
        world.platform)
    run = task_run_request(slug="change-email", target_id=world.buyer.pk, raw_params={"new_email": "b@example.com"},
                           reason="Asked by phone", origin=Origin(user=people["root"], source=TaskRun.Source.WEB))
    return ConsoleData(world, ticket, week, answer, article, run)


@pytest.fixture
def data(module_data, db) -> ConsoleData:
    return module_data


@pytest.fixture
def clients(module_clients, db) -> dict:
    return module_clients


# Every admin list and detail page.

ADMIN_MODELS = sorted(registered_models(), key=lambda model: model._meta.label_lower)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label_lower)
def test_every_admin_page_opens_exactly_for_the_roles_that_may_view_it(model, clients, data):
    obj = data.detail_object(model)
    pages = {"list": reverse(admin_urlname(model._meta, "changelist")),
             "detail": reverse(admin_urlname(model._meta, "change"), args=[obj.pk])}
    wrong = []
    for person in PEOPLE:
        expected = 200 if may_view(person, model) else 403
        for page, url in pages.items():
            status = clients[person].get(url).status_code
            if status != expected:
                wrong.append(f"{person}: {page} page {url} answered {status}, the role says {expected}")
    assert not wrong, "\n".join(wrong)


# The console's own pages.


@dataclass(frozen=True)
class ConsolePage:
    permissions: tuple[str, ...]  # all needed; none: any staff member
    url: Callable[[ConsoleData], str]


CONSOLE_PAGES = {
    "admin:index": ConsolePage((), lambda data: reverse("admin:index")),
    "console-search": ConsolePage((), lambda data: f"{reverse('console-search')}?q=nothing-has-this-key"),
    "support-standup": ConsolePage(("support.view_ticket",), lambda data: reverse("support-standup")),
    "support-reports": ConsolePage(("support.view_ticket",), lambda data: reverse("support-reports")),
    "support-triage": ConsolePage(("support.view_ticket",), lambda data: reverse("support-triage")),
    "audit-review": ConsolePage(("audit.review_auditevent",), lambda data: reverse("audit-review")),
    "platform-api": ConsolePage(("accounts.view_platform", "apilog.view_apirequest"),
                                lambda data: reverse("platform-api", args=[data.world.platform.pk])),
    "support-tracker-import": ConsolePage(("support.add_ticket", "support.run_import_tracker_file"),
                                          lambda data: reverse("support-tracker-import", args=["tickets"])),
}
# An import's own pages open for the person who uploaded it only: tests/support/test_tracker_imports.py.
UPLOADERS_PAGES = {"support-tracker-import-mapping", "support-tracker-import-rows", "support-tracker-import-rejected"}


@pytest.mark.parametrize("name", sorted(CONSOLE_PAGES))
def test_every_console_page_opens_exactly_for_the_roles_that_may_see_it(name, clients, data):
    page = CONSOLE_PAGES[name]
    url = page.url(data)
    wrong = []
    for person in PEOPLE:
        expected = 200 if holds(person, *page.permissions) else 403
        status = clients[person].get(url).status_code
        if status != expected:
            wrong.append(f"{person}: {url} answered {status}, the role says {expected}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("person", PEOPLE)
def test_search_finds_an_item_only_for_people_who_may_view_items(person, clients, data):
    item = data.world.item
    response = clients[person].get(f"{reverse('console-search')}?q={item.external_id}")
    item_page = reverse(admin_urlname(item._meta, "change"), args=[item.pk])
    if holds(person, "payments.view_item"):
        assert (response.status_code, response["Location"]) == (302, item_page)
    else:
        assert response.status_code == 200 and item_page not in response.content.decode()


@dataclass(frozen=True)
class SupportAction:
    """A POST from a support page that writes: who may, where it goes, and what it changes."""

    permissions: tuple[str, ...]
    url: Callable[[ConsoleData], str]
    form: Callable[[ConsoleData], dict]
    state: Callable[[ConsoleData], object]


SUPPORT_ACTIONS = {
    "support-saved-answer-send": SupportAction(
        ("support.add_ticketmessage",),
        lambda data: reverse("support-saved-answer-send", args=[data.ticket.pk, data.answer.pk]),
        lambda data: {},
        lambda data: data.ticket.messages.count()),
    "support-ticket-resolve": SupportAction(
        ("support.change_ticket",),
        lambda data: reverse("support-ticket-resolve", args=[data.ticket.pk]),
        lambda data: {},
        lambda data: Ticket.objects.get(pk=data.ticket.pk).status),
    "support-ticket-record-article": SupportAction(
        ("support.change_ticket",),
        lambda data: reverse("support-ticket-record-article", args=[data.ticket.pk]),
        lambda data: {"article": data.article.pk},
        lambda data: list(data.ticket.articles_used.values_list("pk", flat=True))),
    "support-ticket-link-record": SupportAction(
        # The record is found with the person's own search: they must be able to view it.
        ("support.add_ticketlink", "payments.view_item"),
        lambda data: reverse("support-ticket-link-record", args=[data.ticket.pk]),
        lambda data: {"query": data.world.item.external_id},
        lambda data: data.ticket.links.count()),
    "support-ticket-escalate": SupportAction(
        ("support.change_ticket",),
        lambda data: reverse("support-ticket-escalate", args=[data.ticket.pk]),
        lambda data: {},
        lambda data: Ticket.objects.values_list("assignee", "priority").get(pk=data.ticket.pk)),
    "support-rota-swap": SupportAction(
        ("support.change_rotaweek",),
        lambda data: reverse("support-rota-swap", args=[data.week.pk]),
        lambda data: {"new_on_duty": data.week.lead_id, "reason": "Engineer on leave"},
        lambda data: RotaWeek.objects.get(pk=data.week.pk).on_duty_id),
}


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("name", sorted(SUPPORT_ACTIONS))
def test_support_actions_write_only_for_the_roles_that_may(name, person, clients, data):
    action = SUPPORT_ACTIONS[name]
    before = action.state(data)
    response = clients[person].post(action.url(data), action.form(data))
    assert response.status_code in (302, 403)
    if holds(person, *action.permissions):
        assert action.state(data) != before, f"{person} may {name}, and nothing changed"
    else:
        assert action.state(data) == before, f"{person} may not {name}, and it changed"


def test_every_console_url_is_in_the_matrix():
    """A new page without its row here fails, rather than going unchecked."""
    names = {pattern.name for pattern in console_urls.urlpatterns if isinstance(pattern, URLPattern)}
    # The sign-in's second step comes before any permission: tests/opsconsole/test_second_factor.py.
    signing_in = {"signin-code", "signin-enrol", "signin-recovery-codes"}
    unchecked = (names - set(CONSOLE_PAGES) - set(SUPPORT_ACTIONS) - UPLOADERS_PAGES - {"task-page", "healthz"}
                 - signing_in)
    assert not unchecked, f"console pages missing from the permission matrix: {sorted(unchecked)}"


# Every task, over HTTP and over the command line.

TASK_SLUGS = [task.slug for task in registry.all()]


def written_rows(model: type[models.Model]) -> tuple[list[dict], int]:
    """The task model's rows and the number of history rows of every tracked model: a write to
    payment data changes one or the other."""
    history = sum(tracked.history.model.objects.count() for tracked in tracked_models())
    return list(model.objects.order_by("pk").values()), history


def expected_status(slug: str) -> str:
    return TaskRun.Status.AWAITING_APPROVAL if registry.get(slug).risk == Risk.HIGH else TaskRun.Status.SUCCEEDED


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("slug", TASK_SLUGS)
def test_every_task_over_http(slug, person, clients, data, django_capture_on_commit_callbacks):
    task, example = registry.get(slug), TASK_EXAMPLES[slug]
    target = example.make_target()
    client, params = clients[person], example.good_params(target)
    page = reverse("task-page", kwargs={"slug": slug, "target_id": target.pk})
    allowed = holds(person, run_permission(slug))
    key = f"matrix-{slug}-{person}"
    before = written_rows(task.model)

    assert client.get(page).status_code == (200 if allowed else 403)
    assert client.post(page, {"step": "preview", **params}).status_code == (200 if allowed else 403)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(page, {"step": "confirm", **params, "reason": "Matrix", "idempotency_key": key})
    run = TaskRun.objects.get(idempotency_key=key)
    if allowed:
        assert confirmed.status_code == 302, confirmed.content[:300]
        assert run.status == expected_status(slug), run.outcome
    else:
        assert confirmed.status_code == 403
        assert run.status == TaskRun.Status.REJECTED and run.outcome.startswith("permission: ")
        assert written_rows(task.model) == before


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("slug", TASK_SLUGS)
def test_every_task_on_the_command_line(slug, person, data, django_capture_on_commit_callbacks):
    task, example = registry.get(slug), TASK_EXAMPLES[slug]
    target = example.make_target()
    params = [argument for key, value in example.good_params(target).items()
              for argument in ("--param", f"{key}={value}")]
    arguments = ["opstask", "run", slug, "--as", person, "--target", str(target.pk), *params, "--reason", "Matrix"]
    before = written_rows(task.model)
    runs_before = set(TaskRun.objects.values_list("pk", flat=True))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        if holds(person, run_permission(slug)):
            call_command(*arguments, stdout=out)
        else:
            with pytest.raises(CommandError, match="permission"):
                call_command(*arguments, stdout=out)
    [run] = TaskRun.objects.exclude(pk__in=runs_before)
    assert run.source == TaskRun.Source.CLI and run.requested_by.username == person
    if holds(person, run_permission(slug)):
        run.refresh_from_db()
        assert run.status == expected_status(slug), run.outcome
    else:
        assert run.status == TaskRun.Status.REJECTED and run.outcome.startswith("permission: ")
        assert written_rows(task.model) == before


HIGH_RISK_SLUG = next(task.slug for task in registry.all() if task.risk == Risk.HIGH)


@pytest.mark.parametrize("person", PEOPLE)
def test_approving_a_waiting_request(person, clients, data):
    """An Ops agent asks; only a holder of the approval permission other than them decides."""
    requester = User.objects.get(username=OPS_AGENT.demo_username)
    item = make_item(state=ItemState.PAYMENT_HELD)
    run = task_run_request(slug=HIGH_RISK_SLUG, target_id=item.pk, raw_params={}, reason="Buyer verified",
                           origin=Origin(user=requester, source=TaskRun.Source.WEB))
    assert run.status == TaskRun.Status.AWAITING_APPROVAL
    response = clients[person].post(reverse("admin:opsconsole_taskrun_decide", args=[run.pk]), {"decision": "approve"})
    assert response.status_code == 302
    run.refresh_from_db()
    if holds(person, "opsconsole.approve_taskrun") and person != OPS_AGENT.demo_username:
        assert run.status == TaskRun.Status.SUCCEEDED and run.approver.username == person, run.outcome
    else:
        assert run.status == TaskRun.Status.AWAITING_APPROVAL and run.approver is None


# Explanations from the command line.


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("model", sorted(explanation_models(), key=lambda model: model._meta.model_name),
                         ids=lambda model: model._meta.model_name)
def test_explain_as_a_person_needs_their_view_permission(model, person, data):
    obj = data.detail_object(model)
    arguments = ["explain", model._meta.model_name, str(obj.pk), "--as", person]
    if holds(person, f"{model._meta.app_label}.view_{model._meta.model_name}"):
        out = StringIO()
        call_command(*arguments, stdout=out)
        assert str(obj) in out.getvalue()
    else:
        with pytest.raises(CommandError, match=f"{person} does not have permission to view"):
            call_command(*arguments)
