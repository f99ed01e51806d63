"""People appear by their full name wherever the console names them — a run's requester and
approver, a payout hold's placer, the audit trail's person, the daily review, an item's timeline,
an answer — and by their username only when no name is on record (opsconsole/people.py)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.models import Customer
from audit.models import AuditEvent
from audit.services.recording import record_event
from opsconsole.models import TaskRun
from opsconsole.people import person_name
from opsconsole.tasking.services import Origin, task_run_request
from payments.explain_payouts import seller_payout_blockers
from payments.models import Item
from payments.selectors import item_timeline
from support.models import TicketKind, TicketMessage
from support.services.tickets import ticket_add_message, ticket_create
from tests.factories import make_customer, make_item, make_payout_hold, make_staff_user

USERNAME, FULL_NAME = "pnair", "Priya Nair"


@pytest.fixture
def priya(db):
    return make_staff_user(username=USERNAME, first_name="Priya", last_name="Nair")


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_person_is_named_by_full_name_and_by_username_without_one(db):
    assert person_name(make_staff_user(username="tr", first_name="Tomás", last_name="Reyes")) == "Tomás Reyes"
    assert person_name(make_staff_user(username="nameless", first_name="", last_name="")) == "nameless"
    assert person_name(make_staff_user(username="blank", first_name=" ", last_name=" ")) == "blank"


def test_the_run_list_names_the_requester_and_the_approver(client_as, staff, priya):
    approver = make_staff_user(username="treyes", first_name="Tomás", last_name="Reyes")
    customer = make_customer()
    TaskRun.objects.create(task_slug="change-email", task_title="Change a customer's email", target_id=str(customer.pk),
                           target_repr=str(customer), requested_by=priya, approver=approver,
                           source=TaskRun.Source.WEB, status=TaskRun.Status.SUCCEEDED)

    page = page_text(client_as("lead"), reverse("admin:opsconsole_taskrun_changelist"))

    assert FULL_NAME in page and "Tomás Reyes" in page
    assert USERNAME not in page and "treyes" not in page


def test_a_payout_hold_names_who_placed_it_in_the_list_on_its_page_and_on_the_sellers_page(client_as, priya):
    hold = make_payout_hold(placed_by=priya)
    client = client_as("lead")

    for url in (reverse("admin:accounts_payouthold_changelist"),
                reverse("admin:accounts_payouthold_change", args=[hold.pk]),
                reverse("admin:accounts_customer_change", args=[hold.customer_id])):
        page = page_text(client, url)
        assert FULL_NAME in page, url
        assert USERNAME not in page, url


def test_the_payout_answer_says_who_placed_the_hold(priya):
    hold = make_payout_hold(placed_by=priya, customer=make_customer(kind=Customer.Kind.SELLER))

    [on_hold, *_] = seller_payout_blockers(hold.customer)

    assert f"placed by {FULL_NAME}:" in on_hold.summary


def test_the_audit_trail_and_the_daily_review_name_the_person(client_as, priya):
    record_event(AuditEvent.Action.TASK_REQUESTED, actor=priya, source=AuditEvent.Source.WEB,
                 object_type=ContentType.objects.get_for_model(Item), object_id="90001", object_repr="Item 90001",
                 task_slug="change-email", summary="Change email requested")
    record_event(AuditEvent.Action.LOGIN, actor=priya, source=AuditEvent.Source.WEB, summary="Signed in")
    record_event(AuditEvent.Action.LOGIN_FAILED, outcome=AuditEvent.Outcome.FAILURE, actor_name="mallory",
                 source=AuditEvent.Source.WEB, summary="Wrong username or password for 'mallory'")
    client = client_as("lead")

    trail = page_text(client, "/audit/auditevent/")
    assert FULL_NAME in trail and "mallory" in trail  # someone who is not on the staff: as typed

    review = page_text(client, reverse("audit-review"))
    assert f'data-person="{FULL_NAME}"' in review  # the group of their entries, and their sign-ins counted
    assert review.count(f'data-person="{FULL_NAME}"') == 2


def test_an_items_timeline_names_who_asked_for_a_task(priya, staff):
    priya.groups.add(*staff["ops"].groups.all())
    item = make_item()
    task_run_request(slug="cancel-item", target_id=item.pk, raw_params={}, reason="Buyer asked",
                     origin=Origin(user=priya, source="web"), ticket_reference="")

    causes = [event.cause for event in item_timeline(item=item)]

    assert any(cause.startswith(f"Requested by {FULL_NAME}") for cause in causes), causes


def test_a_records_history_names_who_changed_it(client_as, priya, staff):
    priya.groups.add(*staff["ops"].groups.all())
    customer = make_customer(email="before@example.com")
    task_run_request(slug="change-email", target_id=customer.pk, raw_params={"new_email": "after@example.com"},
                     reason="Customer asked", origin=Origin(user=priya, source="web"), ticket_reference="")

    history = page_text(client_as("lead"), reverse("admin:accounts_customer_history", args=[customer.pk]))

    assert FULL_NAME in history and USERNAME not in history


def test_the_support_desk_names_the_assignee_and_the_author(client_as, priya, staff):
    priya.groups.add(*staff["engineer"].groups.all())
    ticket = ticket_create(kind=TicketKind.EXTERNAL_OPS_PROBLEM, subject="Card declined", description="Why?",
                           requester_name="Maria", requester_email="maria@platform.example.com", assignee=priya)
    ticket_add_message(ticket=ticket, author=priya, visibility=TicketMessage.Visibility.REPLY, body="Looking now")
    client = client_as("lead")

    for url in (reverse("admin:support_ticket_changelist"), reverse("admin:support_ticket_change", args=[ticket.pk]),
                reverse("support-standup")):
        page = page_text(client, url)
        assert FULL_NAME in page, url
    workspace = page_text(client, reverse("admin:support_ticket_change", args=[ticket.pk]))
    assert f"{FULL_NAME} · " in workspace  # the reply's author
    assert f'<option value="{priya.pk}" selected>{FULL_NAME}</option>' in workspace  # the assignee box


def test_a_reply_on_its_own_page_names_its_author(client_as, priya):
    ticket = ticket_create(kind=TicketKind.EXTERNAL_OPS_PROBLEM, subject="Card declined", description="Why?",
                           requester_name="Maria", requester_email="maria@platform.example.com")
    reply = ticket_add_message(ticket=ticket, author=priya, visibility=TicketMessage.Visibility.REPLY, body="On it")

    page = page_text(client_as("lead"), reverse("admin:support_ticketmessage_change", args=[reply.pk]))

    assert FULL_NAME in page and USERNAME not in page and "On it" in page
