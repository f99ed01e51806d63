"""The task screens over HTTP, for the change-email task: the button on the customer's page and
the action on the list, parameters → preview → reason and confirm → the run's page, refusals
shown next to their field with nothing changed, 403 without the permission, one run for a double
submit, and four-eyes approval from the run's page. Then the same walk for every registered task,
which gets these screens without writing any."""

from html import escape

import pytest
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.test import Client
from django.urls import reverse

from accounts.models import Customer
from accounts.ops.change_email import ChangeCustomerEmail
from opsconsole.models import TaskRun
from opsconsole.tasking.admin import PICK_ONE
from opsconsole.tasking.registry import registry
from opsconsole.tasking.services import NO_SELF_APPROVAL, REASON_REQUIRED
from tests.conftest import sign_in_verified
from tests.factories import make_customer
from tests.opsconsole.task_examples import TASK_EXAMPLES

TITLE = ChangeCustomerEmail.title
ACTION = "run_task_change_email"
IP_ADDRESS, USER_AGENT = "10.1.2.3", "Mozilla/5.0 (task pages test)"


@pytest.fixture
def login(staff):
    """`login("ops")`: a client logged in as that demo person, from a known address and browser."""

    def client_for(username: str) -> Client:
        return sign_in_verified(Client(REMOTE_ADDR=IP_ADDRESS, HTTP_USER_AGENT=USER_AGENT), staff[username])

    return client_for


@pytest.fixture
def customer(db):
    return make_customer(email="old@example.com")


@pytest.fixture
def needs_approval(monkeypatch):
    monkeypatch.setattr(ChangeCustomerEmail, "requires_approval", lambda self, target, params: True)


def task_url(customer: Customer) -> str:
    return reverse("task-page", kwargs={"slug": ChangeCustomerEmail.slug, "target_id": customer.pk})


def customer_url(customer: Customer) -> str:
    return reverse("admin:accounts_customer_change", args=[customer.pk])


def run_url(run: TaskRun) -> str:
    return reverse("admin:opsconsole_taskrun_change", args=[run.pk])


def preview(client, customer, new_email):
    return client.post(task_url(customer), {"step": "preview", "new_email": new_email})


def confirm(client, customer, new_email, *, reason="Customer lost the old mailbox", key="key-1"):
    return client.post(task_url(customer), {
        "step": "confirm", "new_email": new_email, "reason": reason, "ticket_reference": "SUP-42",
        "idempotency_key": key,
    })


def email_of(customer: Customer) -> str:
    customer.refresh_from_db()
    return customer.email


def field_errors(response, form_name: str, field: str) -> list[str]:
    """The errors the page shows next to `field`, each checked to be on the page."""
    errors = list(response.context[form_name].errors.get(field, []))
    for message in errors:
        assert escape(message) in response.content.decode()
    return errors


# The button and the action.


def test_ops_sees_the_task_button_on_the_customer_page_and_the_auditor_does_not(login, customer):
    ops_page = login("ops").get(customer_url(customer))
    auditor_page = login("auditor").get(customer_url(customer))
    assert ops_page.status_code == auditor_page.status_code == 200
    assert escape(TITLE) in ops_page.content.decode()
    assert f'href="{task_url(customer)}"' in ops_page.content.decode()
    assert task_url(customer) not in auditor_page.content.decode()
    assert escape(TITLE) not in auditor_page.content.decode()


def test_the_customer_list_offers_the_task_as_an_action_to_ops_only(login, customer):
    list_url = reverse("admin:accounts_customer_changelist")
    assert f'value="{ACTION}"' in login("ops").get(list_url).content.decode()
    assert f'value="{ACTION}"' not in login("auditor").get(list_url).content.decode()


def test_the_list_action_opens_the_task_page_for_exactly_one_customer(login, customer):
    client, list_url = login("ops"), reverse("admin:accounts_customer_changelist")
    one = client.post(list_url, {"action": ACTION, "index": "0", "_selected_action": [customer.pk]})
    assert (one.status_code, one.url) == (302, task_url(customer))
    other = make_customer()
    two = client.post(list_url, {"action": ACTION, "index": "0", "_selected_action": [customer.pk, other.pk]},
                      follow=True)
    assert escape(PICK_ONE.format(model="customer", task=TITLE)) in two.content.decode()


# Parameters → preview → confirm.


def test_ops_changes_an_email_step_by_step(login, customer):
    client = login("ops")
    parameters = client.get(task_url(customer), {"new_email": "from.ticket@example.com"})
    assert parameters.status_code == 200
    assert 'value="from.ticket@example.com"' in parameters.content.decode()

    previewed = preview(client, customer, "new@example.com")
    html = previewed.content.decode()
    assert previewed.status_code == 200
    assert "old@example.com" in html and "new@example.com" in html and "data-diff" in html
    assert 'name="new_email" value="new@example.com"' in html and 'type="hidden"' in html
    assert email_of(customer) == "old@example.com" and not TaskRun.objects.exists()

    key = previewed.context["request_form"].initial["idempotency_key"]
    confirmed = confirm(client, customer, "new@example.com", key=key)
    run = TaskRun.objects.get()
    assert (confirmed.status_code, confirmed.url) == (302, run_url(run))
    assert email_of(customer) == "new@example.com"
    assert (run.status, run.source, run.ticket_reference) == (TaskRun.Status.SUCCEEDED, "web", "SUP-42")
    assert (run.ip_address, run.user_agent, run.idempotency_key) == (IP_ADDRESS, USER_AGENT, key)
    assert f"Task run #{run.pk}" in customer.history.latest().history_change_reason

    result = client.get(run_url(run)).content.decode()
    assert "Succeeded" in result and escape(run.outcome) in result
    assert f'href="{customer_url(customer)}"' in result  # the diff's target, linked


def test_a_missing_reason_is_shown_next_to_the_reason_and_nothing_changes(login, customer):
    response = confirm(login("ops"), customer, "new@example.com", reason="  ", key="key-no-reason")
    assert response.status_code == 200
    assert field_errors(response, "request_form", "reason") == [REASON_REQUIRED]
    assert email_of(customer) == "old@example.com"
    refused = TaskRun.objects.get()
    assert refused.status == TaskRun.Status.REJECTED  # the refusal is recorded
    # The key is spent on the refused run: the corrected form carries a new one.
    assert response.context["request_form"]["idempotency_key"].value() not in ("", "key-no-reason")


@pytest.mark.parametrize("new_email, message", [
    ("not an email", "Enter a valid email address."),
    ("old@example.com", "old@example.com is already this customer's email."),
])
def test_a_bad_email_is_shown_next_to_new_email_and_nothing_changes(login, customer, new_email, message):
    response = preview(login("ops"), customer, new_email)
    assert response.status_code == 200
    assert response.context["step"] == "parameters"
    assert field_errors(response, "params_form", "new_email") == [message]
    assert email_of(customer) == "old@example.com" and not TaskRun.objects.exists()


def test_an_email_used_by_another_customer_is_refused_naming_them(login, customer):
    other = make_customer(platform=customer.platform, email="taken@example.com")
    response = preview(login("ops"), customer, "taken@example.com")
    [message] = field_errors(response, "params_form", "new_email")
    assert f"already used by customer {other.external_id} (#{other.pk})" in message


@pytest.mark.parametrize("person", ["nobody", "auditor"])
def test_without_the_permission_the_task_page_is_forbidden(login, customer, person):
    client = login(person)
    assert client.get(task_url(customer)).status_code == 403
    assert preview(client, customer, "new@example.com").status_code == 403
    assert confirm(client, customer, "new@example.com").status_code == 403
    assert email_of(customer) == "old@example.com"
    refused = TaskRun.objects.get()  # the attempt is in the audit trail
    assert refused.status == TaskRun.Status.REJECTED and refused.outcome.startswith("permission: ")


def test_an_unknown_customer_or_task_is_not_found(login, customer):
    client = login("ops")
    assert client.get(reverse("task-page", kwargs={"slug": "change-email", "target_id": "999999"})).status_code == 404
    unknown_task = reverse("task-page", kwargs={"slug": "no-such-task", "target_id": customer.pk})
    assert client.get(unknown_task).status_code == 404


def test_a_double_submit_of_confirm_makes_one_run(login, customer):
    client = login("ops")
    first = confirm(client, customer, "new@example.com", key="same-key")
    second = confirm(client, customer, "new@example.com", key="same-key")
    run = TaskRun.objects.get()
    assert first.url == second.url == run_url(run)
    assert customer.history.count() == 2  # as created, and changed once


# Four-eyes from the run's page.


def decide(client, run, decision, comment=""):
    return client.post(reverse("admin:opsconsole_taskrun_decide", args=[run.pk]),
                       {"decision": decision, "comment": comment}, follow=True)


@pytest.fixture
def waiting_run(login, customer, needs_approval):
    response = confirm(login("ops"), customer, "new@example.com", key="needs-approval")
    run = TaskRun.objects.get()
    assert (response.status_code, response.url) == (302, run_url(run))
    return run


def test_a_run_needing_approval_waits_on_its_page(login, customer, needs_approval):
    client = login("ops")
    assert "second person" in preview(client, customer, "new@example.com").content.decode()
    confirm(client, customer, "new@example.com", key="needs-approval")
    run = TaskRun.objects.get()
    page = client.get(run_url(run)).content.decode()
    assert run.status == TaskRun.Status.AWAITING_APPROVAL and "Awaiting approval" in page
    assert 'id="task-run-decision"' not in page  # not for the requester
    assert email_of(customer) == "old@example.com"


def test_the_lead_approves_from_the_run_page_and_the_email_changes(login, customer, waiting_run, staff):
    lead = login("lead")
    assert 'id="task-run-decision"' in lead.get(run_url(waiting_run)).content.decode()
    response = decide(lead, waiting_run, "approve", "Checked ID on the call")
    waiting_run.refresh_from_db()
    assert waiting_run.status == TaskRun.Status.SUCCEEDED
    assert (waiting_run.approver, waiting_run.approval_comment) == (staff["lead"], "Checked ID on the call")
    assert email_of(customer) == "new@example.com"
    assert escape(waiting_run.outcome) in response.content.decode()


def test_ops_cannot_approve_their_own_request(login, customer, waiting_run):
    response = decide(login("ops"), waiting_run, "approve")
    assert escape(NO_SELF_APPROVAL) in response.content.decode()
    waiting_run.refresh_from_db()
    assert waiting_run.status == TaskRun.Status.AWAITING_APPROVAL
    assert email_of(customer) == "old@example.com"


def test_declining_needs_a_comment(login, customer, waiting_run):
    lead = login("lead")
    assert "Say why the request is declined." in decide(lead, waiting_run, "decline").content.decode()
    waiting_run.refresh_from_db()
    assert waiting_run.status == TaskRun.Status.AWAITING_APPROVAL
    decide(lead, waiting_run, "decline", "Could not verify the customer")
    waiting_run.refresh_from_db()
    assert waiting_run.status == TaskRun.Status.DECLINED
    assert email_of(customer) == "old@example.com"


# The audit trail's screens.


def test_task_runs_are_listed_filtered_and_searched_but_never_edited(login, customer, waiting_run):
    client = login("lead")
    changelist = reverse("admin:opsconsole_taskrun_changelist")
    awaiting = client.get(changelist, {"status__exact": "awaiting_approval"}).content.decode()
    assert run_url(waiting_run) in awaiting
    assert run_url(waiting_run) not in client.get(changelist, {"status__exact": "succeeded"}).content.decode()
    assert run_url(waiting_run) in client.get(changelist, {"q": str(customer.pk)}).content.decode()
    assert run_url(waiting_run) in client.get(changelist, {"q": "SUP-42"}).content.decode()
    assert client.get(reverse("admin:opsconsole_taskrun_add")).status_code == 403
    assert client.post(run_url(waiting_run), {"reason": "edited"}).status_code == 403
    assert client.post(reverse("admin:opsconsole_taskrun_delete", args=[waiting_run.pk]),
                       {"post": "yes"}).status_code == 403
    waiting_run.refresh_from_db()
    assert waiting_run.reason == "Customer lost the old mailbox"


def test_a_running_run_shows_its_progress_and_refreshes_until_it_ends(login, customer, staff):
    run = TaskRun.objects.create(
        task_slug="change-email", task_title=TITLE, target_id=str(customer.pk), requested_by=staff["ops"],
        source=TaskRun.Source.WEB, status=TaskRun.Status.RUNNING, progress_done=1200, progress_total=5000,
    )
    client = login("ops")
    running = client.get(run_url(run)).content.decode()
    assert "1200 of 5000" in running and "width: 24%" in running and 'hx-trigger="every 2s"' in running
    TaskRun.objects.filter(pk=run.pk).update(status=TaskRun.Status.SUCCEEDED, progress_done=5000, outcome="Done.")
    finished = client.get(run_url(run)).content.decode()
    assert "5000 of 5000" in finished and 'hx-trigger="every 2s"' not in finished


def test_the_sidebar_links_to_task_runs_for_people_who_may_see_them(login):
    changelist = reverse("admin:opsconsole_taskrun_changelist")
    index_for_ops = login("ops").get(reverse("admin:index")).content.decode()
    assert f'href="{changelist}?status__exact=awaiting_approval"' in index_for_ops
    assert changelist not in login("nobody").get(reverse("admin:index")).content.decode()


# Every registered task gets the same screens.


# A task without an example fails the conformance kit (test_task_conformance.py) already.
@pytest.mark.parametrize("slug", [task.slug for task in registry.all() if task.slug in TASK_EXAMPLES])
def test_every_task_gets_its_button_and_its_pages(slug, login, django_capture_on_commit_callbacks):
    example = TASK_EXAMPLES[slug]
    target = example.make_target()
    client, params = login("root"), example.good_params(target)
    page = reverse("task-page", kwargs={"slug": slug, "target_id": target.pk})
    detail = client.get(reverse(admin_urlname(target._meta, "change"), args=[target.pk]))
    assert f'href="{page}"' in detail.content.decode()
    assert client.get(page).status_code == 200

    previewed = client.post(page, {"step": "preview", **params})
    assert previewed.context["step"] == "preview", previewed.context["params_form"].errors
    assert "data-diff" in previewed.content.decode() and not TaskRun.objects.exists()

    key = previewed.context["request_form"].initial["idempotency_key"]
    with django_capture_on_commit_callbacks(execute=True):  # background tasks run when the request commits
        confirmed = client.post(page, {"step": "confirm", **params, "reason": "Screens kit", "idempotency_key": key})
    run = TaskRun.objects.get()
    assert (confirmed.status_code, confirmed.url) == (302, run_url(run))
    assert run.status in (TaskRun.Status.SUCCEEDED, TaskRun.Status.AWAITING_APPROVAL), run.outcome
    assert client.get(run_url(run)).status_code == 200


def test_going_back_from_the_preview_keeps_the_ticket_reference(login, customer):
    response = login("ops").post(f"{task_url(customer)}?ticket_reference=SUP-77",
                                 {"step": "preview", "new_email": "new@example.com"})
    page = response.content.decode()
    assert 'value="SUP-77"' in page
    assert escape(f"{task_url(customer)}?ticket_reference=SUP-77&new_email=new%40example.com") in page
