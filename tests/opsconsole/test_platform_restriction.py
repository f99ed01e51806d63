"""A person limited to one platform sees that platform's data and nothing of another's: in every
list, on detail and history pages (a 404, exactly like a missing object), in search, on the
dashboard and the support boards, and cannot run a task on, approve a run on, or explain another
platform's object, over HTTP or the command line.

Two complete payments worlds, A and B, each on its own platform; `lead_a` is an ops lead limited
to A, `lead` an unrestricted one.
"""

from dataclasses import dataclass
from io import StringIO

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Customer, Platform
from batches.models import BatchEntry
from opsconsole.errors import OpsError
from opsconsole.models import StaffPlatformAccess, TaskRun
from opsconsole.platform_access import platform_scope_of, restrict_to_user_platforms, visible_platform_ids
from opsconsole.readonly_admin import PlatformScopedMixin
from opsconsole.roles import OPS_LEAD
from opsconsole.tasking.services import Origin, task_run_approve, task_run_request
from payments.models import ItemState
from search.finding import console_search
from support.models import Ticket, TicketKind
from support.services.tickets import ticket_create
from tests.conftest import make_staff, sign_in_verified
from tests.factories import PaymentsWorld, make_batch, make_batch_entry, make_item, make_payments_world, make_platform

MISSING_PK = 987_654_321


@dataclass
class TwoPlatforms:
    a: PaymentsWorld
    b: PaymentsWorld
    shared_batch_entries: tuple[BatchEntry, BatchEntry]
    tickets: dict[str, Ticket]  # "a", "b", "none"


def restrict(user: User, platforms: list[Platform]) -> User:
    StaffPlatformAccess.objects.create(user=user).platforms.set(platforms)
    return User.objects.get(pk=user.pk)  # a fresh object: the restriction is cached per object


def new_ticket(platform: Platform | None, subject: str) -> Ticket:
    return ticket_create(kind=TicketKind.EXTERNAL_DEV_PROBLEM, subject=subject, description="Endpoint fails",
                         requester_name="Dev", requester_email="dev@platform.example.com", platform=platform)


@pytest.fixture(scope="module")
def module_platforms(module_transaction) -> TwoPlatforms:
    a, b = make_payments_world(1), make_payments_world(1)
    # A batch goes to the bank with entries of every platform.
    shared_batch = make_batch(reference="B-SHARED-1")
    entries = (make_batch_entry(batch=shared_batch, disbursement=a.disbursement),
               make_batch_entry(batch=shared_batch, disbursement=b.disbursement))
    tickets = {"a": new_ticket(a.platform, "Platform A cannot refund"), "b": new_ticket(b.platform, "Platform B SDK"),
               "none": new_ticket(None, "How do callbacks work?")}
    lead_a = make_staff("lead_a", group_name=OPS_LEAD.group_name)
    restrict(lead_a, [a.platform])
    make_staff("lead", group_name=OPS_LEAD.group_name)
    make_staff("root", superuser=True)
    return TwoPlatforms(a, b, entries, tickets)


@pytest.fixture
def two(module_platforms, db) -> TwoPlatforms:
    return module_platforms


def person(username: str) -> User:
    return User.objects.get(username=username)


def client_for(username: str) -> Client:
    return sign_in_verified(Client(), person(username))


def object_url(obj: models.Model, view: str = "change") -> str:
    return reverse(admin_urlname(obj._meta, view), args=[obj.pk])


def list_url(model: type[models.Model]) -> str:
    return reverse(admin_urlname(model._meta, "changelist"))


def models_with_an_admin() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if admin.site.is_registered(model)]


# The platform-scoped models the two worlds have rows of (every payments model but the batch).
SCOPED_PAYMENTS_MODELS = sorted(
    (model for model in models_with_an_admin()
     if model._meta.app_label in {"accounts", "payments", "batches"} and platform_scope_of(model)),
    key=lambda model: model._meta.label_lower,
)
SCOPED_LABELS = [model._meta.label_lower for model in SCOPED_PAYMENTS_MODELS]


# Who sees which platforms.


def test_people_see_every_platform_unless_limited(two):
    assert visible_platform_ids(person("lead")) is None
    assert visible_platform_ids(person("lead_a")) == {two.a.platform.pk}
    root = person("root")
    restrict(root, [two.b.platform])
    assert visible_platform_ids(User.objects.get(pk=root.pk)) is None, "superusers are never limited"
    nothing = restrict(make_staff("nothing_yet", group_name=OPS_LEAD.group_name), [])
    assert visible_platform_ids(nothing) == frozenset()
    assert not restrict_to_user_platforms(Customer.objects.all(), nothing).exists()


def test_the_restriction_is_looked_up_once_per_request(two):
    lead_a = person("lead_a")
    with CaptureQueriesContext(connection) as first:
        visible_platform_ids(lead_a)
    with CaptureQueriesContext(connection) as again:
        visible_platform_ids(lead_a)
    assert (len(first), len(again)) == (1, 0)


def lookups_of_the_restriction(client, url: str) -> tuple[int, int]:
    """The page's queries: all of them, and those reading the restriction table."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    table = StaffPlatformAccess._meta.db_table
    return len(captured), sum(table in query["sql"] for query in captured.captured_queries)


def test_unrestricted_people_pay_one_cached_lookup_and_restricted_ones_a_filter(two):
    url = list_url(Customer)
    lead_total, lead_lookups = lookups_of_the_restriction(client_for("lead"), url)
    restricted_total, restricted_lookups = lookups_of_the_restriction(client_for("lead_a"), url)
    assert lead_lookups == 1 and restricted_lookups == 1
    assert restricted_total == lead_total, "the restriction is a filter of the list's own query"
    assert lookups_of_the_restriction(client_for("root"), url)[1] == 0


# Lists, detail and history pages.


@pytest.mark.parametrize("label", SCOPED_LABELS)
def test_a_list_shows_only_the_persons_platform(label, two):
    model = next(model for model in SCOPED_PAYMENTS_MODELS if model._meta.label_lower == label)
    mine, theirs = two.a.first(model), two.b.first(model)
    page = client_for("lead_a").get(list_url(model)).content.decode()
    assert object_url(mine) in page
    assert object_url(theirs) not in page
    unrestricted = client_for("lead").get(list_url(model)).content.decode()
    assert object_url(mine) in unrestricted and object_url(theirs) in unrestricted


@pytest.mark.parametrize("label", SCOPED_LABELS)
def test_another_platforms_detail_page_is_not_found_like_a_missing_one(label, two):
    model = next(model for model in SCOPED_PAYMENTS_MODELS if model._meta.label_lower == label)
    client = client_for("lead_a")
    assert client.get(object_url(two.a.first(model))).status_code == 200
    theirs = client.get(object_url(two.b.first(model)))
    missing = client.get(reverse(admin_urlname(model._meta, "change"), args=[MISSING_PK]))
    assert (theirs.status_code, missing.status_code) == (404, 404)
    assert client_for("lead").get(object_url(two.b.first(model))).status_code == 200


@pytest.mark.parametrize("label", SCOPED_LABELS)
def test_another_platforms_history_is_not_found(label, two):
    model = next(model for model in SCOPED_PAYMENTS_MODELS if model._meta.label_lower == label)
    client = client_for("lead_a")
    assert client.get(object_url(two.a.first(model), "history")).status_code == 200
    assert client.get(object_url(two.b.first(model), "history")).status_code == 404


def test_a_shared_batch_is_seen_with_only_the_persons_entries(two):
    mine, theirs = two.shared_batch_entries
    page = client_for("lead_a").get(object_url(mine.batch)).content.decode()
    assert mine.trace_number in page and theirs.trace_number not in page
    page = client_for("lead").get(object_url(mine.batch)).content.decode()
    assert mine.trace_number in page and theirs.trace_number in page


def test_task_runs_on_another_platforms_objects_are_not_listed(two):
    root = person("root")

    def run_on(target) -> TaskRun:
        slug = "change-email" if isinstance(target, Customer) else "reprocess-batch"
        return task_run_request(slug=slug, target_id=target.pk, raw_params={"new_email": "x@example.com"},
                                reason="Listing test", origin=Origin(user=root, source=TaskRun.Source.WEB))

    on_a, on_b, on_batch = run_on(two.a.buyer), run_on(two.b.buyer), run_on(two.shared_batch_entries[0].batch)
    assert (on_a.platform, on_b.platform, on_batch.platform) == (two.a.platform, two.b.platform, None)
    client = client_for("lead_a")
    page = client.get(list_url(TaskRun)).content.decode()
    assert object_url(on_a) in page and object_url(on_batch) in page and object_url(on_b) not in page
    assert client.get(object_url(on_b)).status_code == 404


# Search, the dashboard and the support workspace.


def test_search_finds_nothing_of_another_platform(two):
    lead_a, a, b = person("lead_a"), two.a, two.b
    for keys_of in (lambda world: world.buyer.email, lambda world: world.item.external_id,
                    lambda world: world.charge.gateway_reference, lambda world: world.disbursement.reference,
                    lambda world: world.platform.client_id, lambda world: str(world.charge.pk)):
        found = {match.object for match in console_search(query=keys_of(b), user=lead_a)}
        theirs = {b.buyer, b.item, b.charge, b.disbursement, b.platform, *b.rows[BatchEntry]}
        assert not found & theirs, keys_of(b)
        assert console_search(query=keys_of(a), user=lead_a), keys_of(a)
    page = client_for("lead_a").get(f"{reverse('console-search')}?q={b.item.external_id}")
    assert page.status_code == 200 and object_url(b.item) not in page.content.decode()


def test_the_dashboard_counts_only_the_persons_platform(two):
    mine, theirs = (make_item(platform=world.platform, state=ItemState.PAYMENT_PENDING) for world in (two.a, two.b))
    page = client_for("lead_a").get(reverse("admin:index")).content.decode()
    assert object_url(mine) in page and object_url(theirs) not in page


def test_tickets_of_another_platform_are_hidden_everywhere_in_support(two):
    tickets, client = two.tickets, client_for("lead_a")
    shown = client.get(list_url(Ticket)).content.decode()
    assert object_url(tickets["a"]) in shown and object_url(tickets["none"]) in shown
    assert object_url(tickets["b"]) not in shown
    assert client.get(object_url(tickets["b"])).status_code == 404
    for board in ("support-triage", "support-standup"):
        page = client.get(reverse(board)).content.decode()
        assert tickets["a"].subject in page and tickets["b"].subject not in page, board
    resolve = reverse("support-ticket-resolve", args=[tickets["b"].pk])
    assert client.post(resolve).status_code == 404
    assert Ticket.objects.get(pk=tickets["b"].pk).status == tickets["b"].status


# Tasks, approvals and explanations.


def confirm_change_email(client, customer, key):
    url = reverse("task-page", kwargs={"slug": "change-email", "target_id": customer.pk})
    return client.post(url, {"step": "confirm", "new_email": "moved@example.com", "reason": "Asked by phone",
                              "idempotency_key": key})


def test_a_task_on_another_platforms_object_is_refused_over_http_like_a_missing_one(two):
    client, theirs = client_for("lead_a"), two.b.buyer
    page = reverse("task-page", kwargs={"slug": "change-email", "target_id": theirs.pk})
    assert client.get(page).status_code == 404
    assert confirm_change_email(client, theirs, "attempt-b").status_code == 404
    refused = TaskRun.objects.get(idempotency_key="attempt-b")
    assert refused.status == TaskRun.Status.REJECTED
    assert refused.outcome == f"target: There is no customer with id {theirs.pk}."
    assert Customer.objects.get(pk=theirs.pk).email == theirs.email

    missing = Customer(pk=MISSING_PK)
    assert confirm_change_email(client, missing, "attempt-missing").status_code == 404
    assert TaskRun.objects.get(idempotency_key="attempt-missing").outcome == (
        f"target: There is no customer with id {MISSING_PK}.")

    assert confirm_change_email(client, two.a.buyer, "attempt-a").status_code == 302
    assert Customer.objects.get(pk=two.a.buyer.pk).email == "moved@example.com"


def opstask_change_email(username: str, target_id) -> str:
    out = StringIO()
    call_command("opstask", "run", "change-email", "--as", username, "--target", str(target_id),
                 "--param", "new_email=moved.cli@example.com", "--reason", "Asked by email", stdout=out)
    return out.getvalue()


def test_a_task_on_another_platforms_object_is_refused_on_the_command_line(two):
    theirs = two.b.buyer
    with pytest.raises(CommandError) as refusal:
        opstask_change_email("lead_a", theirs.pk)
    run = TaskRun.objects.get(target_id=str(theirs.pk), requested_by__username="lead_a")
    assert str(refusal.value) == f"Run #{run.pk} rejected: target: There is no customer with id {theirs.pk}."
    assert (run.source, run.platform) == (TaskRun.Source.CLI, two.b.platform)
    assert Customer.objects.get(pk=theirs.pk).email == theirs.email
    with pytest.raises(CommandError, match=f"There is no customer with id {MISSING_PK}"):
        opstask_change_email("lead_a", MISSING_PK)
    assert "succeeded" in opstask_change_email("lead_a", two.a.buyer.pk)


def test_an_approver_limited_to_a_platform_cannot_decide_another_platforms_request(two):
    ops = make_staff("ops_requester", group_name="Ops agent")
    held = make_item(platform=two.b.platform, state=ItemState.PAYMENT_HELD)
    run = task_run_request(slug="release-risk-hold", target_id=held.pk, raw_params={}, reason="Buyer verified",
                           origin=Origin(user=ops, source=TaskRun.Source.WEB))
    assert run.status == TaskRun.Status.AWAITING_APPROVAL
    decide = reverse("admin:opsconsole_taskrun_decide", args=[run.pk])
    assert client_for("lead_a").post(decide, {"decision": "approve"}).status_code == 404
    with pytest.raises(OpsError, match=f"There is no task run #{run.pk}"):
        task_run_approve(run_id=run.pk, approver=person("lead_a"))
    run.refresh_from_db()
    assert run.status == TaskRun.Status.AWAITING_APPROVAL


def explain_as(username: str, model: str, pk) -> str:
    out = StringIO()
    call_command("explain", model, str(pk), "--as", username, stdout=out)
    return out.getvalue()


def test_explain_as_a_person_answers_only_what_they_may_see(two):
    assert str(two.a.item) in explain_as("lead_a", "item", two.a.item.pk)
    with pytest.raises(CommandError, match=f"^There is no item with id {two.b.item.pk}.$"):
        explain_as("lead_a", "item", two.b.item.pk)
    with pytest.raises(CommandError, match=f"^There is no item with id {MISSING_PK}.$"):
        explain_as("lead_a", "item", MISSING_PK)
    assert str(two.b.item) in explain_as("lead", "item", two.b.item.pk)
    make_staff("auditor_x", group_name="Auditor")
    with pytest.raises(CommandError, match="auditor_x does not have permission to view charges"):
        explain_as("auditor_x", "charge", two.a.charge.pk)
    with pytest.raises(CommandError, match="no active user called 'ghost'"):
        explain_as("ghost", "item", two.a.item.pk)


# Managing the restriction, and declaring the way to the platform.


def test_a_superuser_limits_a_person_from_their_page_and_the_change_is_on_record(two):
    ops = make_staff("new_agent", group_name="Ops agent")
    page = client_for("root").get(object_url(ops))
    assert "Platform restriction" in page.content.decode()
    form = {
        "username": ops.username, "first_name": "", "last_name": "", "email": "", "is_active": "on",
        "is_staff": "on", "groups": [Group.objects.get(name="Ops agent").pk],
        "last_login_0": "", "last_login_1": "",
        "date_joined_0": ops.date_joined.date().isoformat(),
        "date_joined_1": ops.date_joined.time().isoformat("seconds"),
        "platform_access-TOTAL_FORMS": "1", "platform_access-INITIAL_FORMS": "0",
        "platform_access-MIN_NUM_FORMS": "0", "platform_access-MAX_NUM_FORMS": "1",
        "platform_access-0-platforms": [two.a.platform.pk],
    }
    response = client_for("root").post(object_url(ops), form)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    access = StaffPlatformAccess.objects.get(user=ops)
    assert list(access.platforms.all()) == [two.a.platform]
    assert visible_platform_ids(User.objects.get(pk=ops.pk)) == {two.a.platform.pk}
    history = access.history.order_by("history_date")
    assert history and all(row.history_user == person("root") for row in history)
    assert [platform.platform_id for platform in history.last().platforms.all()] == [two.a.platform.pk]


# Django's own staff users and roles: no platform's data, and not the console's models to declare on.
NOT_THE_CONSOLES_MODELS = {User, Group}


def model_the_path_ends_at(model: type[models.Model], path: str) -> type[models.Model] | None:
    """The model whose primary key the lookup path from `model` gives, or None when it ends at
    some other column."""
    *relations, last = path.split("__")
    for name in relations:
        model = model._meta.get_field(name).related_model
    last_field = model._meta.get_field(last)
    if last_field.many_to_one or last_field.one_to_one:
        return last_field.related_model
    return model if last_field.primary_key else None


def test_every_model_with_an_admin_declares_its_platform_scope():
    undeclared = [model._meta.label_lower for model in models_with_an_admin()
                  if model not in NOT_THE_CONSOLES_MODELS and "platform_scope" not in vars(model)]
    assert not undeclared, f"models without platform_scope (None for data of no platform): {undeclared}"


def test_every_declared_platform_scope_leads_to_a_platform_and_is_enforced():
    wrong, unenforced = [], []
    for model in apps.get_models():
        platform_scope = platform_scope_of(model)
        if not platform_scope:
            continue
        if model_the_path_ends_at(model, platform_scope) is not Platform:
            wrong.append(f"{model._meta.label_lower}: {platform_scope}")
        if admin.site.is_registered(model) and not isinstance(admin.site.get_model_admin(model), PlatformScopedMixin):
            unenforced.append(model._meta.label_lower)
    assert not wrong, f"platform_scope not leading to a Platform: {wrong}"
    assert not unenforced, f"admins over a model with a platform_scope without PlatformScopedMixin: {unenforced}"


def test_a_new_platform_is_invisible_to_people_limited_to_others(two):
    newcomer = make_platform()
    client = client_for("lead_a")
    assert object_url(newcomer) not in client.get(list_url(Platform)).content.decode()
    assert client.get(object_url(newcomer)).status_code == 404
