"""Filing a bug from a ticket's page: the bug form starts from the ticket's summary, and saving it
links the bug and the ticket and sets the ticket waiting on the bug, with its clocks kept right
(support.services.clocks.ticket_set_status). The bug's fix target follows its severity."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from opsconsole.errors import OpsError
from opsconsole.models import StaffPlatformAccess
from support.admin import BUG_FILED_FROM_UNSEEN_TICKET
from support.bugs import bug_draft_from_ticket, bug_fix_due_at
from support.models import Bug, Ticket
from support.services.bugs import NOT_ALLOWED_TO_WAIT_ON_BUG, ticket_wait_on_bug
from support.services.clocks import ticket_set_status
from tests.factories import make_platform
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db

FILE_BUG = "File a bug from this ticket"


def ticket_page(ticket) -> str:
    return reverse("admin:support_ticket_change", args=[ticket.pk])


def file_bug_url(ticket) -> str:
    return reverse("admin:support_ticket_file_bug", args=[ticket.pk])


def bug_form(ticket, **fields) -> dict:
    values = {"title": ticket.subject, "steps_to_reproduce": f"Reported in {ticket.reference}.",
              "expected_behaviour": "The charge goes through", "actual_behaviour": ticket.description,
              "severity": Bug.Severity.S2, "status": Bug.Status.OPEN, "ticket": ticket.pk,
              "tickets-TOTAL_FORMS": "0", "tickets-INITIAL_FORMS": "0"}
    return {**values, **fields}


def test_the_action_is_offered_to_people_who_file_bugs_and_work_tickets(client_as):
    ticket = new_ticket()
    assert FILE_BUG in client_as("engineer").get(ticket_page(ticket)).content.decode()
    assert FILE_BUG in client_as("lead").get(ticket_page(ticket)).content.decode()
    # An ops agent works tickets but does not file bugs.
    assert FILE_BUG not in client_as("ops").get(ticket_page(ticket)).content.decode()
    assert client_as("ops").get(file_bug_url(ticket)).status_code == 403


def test_the_action_opens_the_bug_form_with_the_tickets_summary(client_as):
    platform = make_platform(name="Harbour Goods")
    ticket = new_ticket(subject="Refunds fail with 422", description="POST /refunds answers 422 since Monday",
                        platform=platform, requester_name="Dana")
    client = client_as("engineer")
    response = client.get(file_bug_url(ticket))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:support_bug_add')}?ticket={ticket.pk}"

    form = client.get(response["Location"]).context["adminform"].form
    assert form.initial["title"] == "Refunds fail with 422"
    assert form.initial["actual_behaviour"] == "POST /refunds answers 422 since Monday"
    assert form.initial["steps_to_reproduce"].startswith(f"Reported in {ticket.reference} by Dana on {platform}")
    assert form.initial["affected_platforms"] == [platform.pk]
    assert str(form.initial["ticket"]) == str(ticket.pk)


def test_saving_the_bug_links_it_and_sets_the_ticket_waiting_on_it(client_as, staff):
    ticket = new_ticket(status=Ticket.Status.IN_PROGRESS, subject="Refunds fail with 422")
    reported_at = datetime.datetime(2026, 11, 24, 1, 30, tzinfo=datetime.UTC)
    with time_machine.travel(reported_at, tick=False):
        response = client_as("engineer").post(f"{reverse('admin:support_bug_add')}?ticket={ticket.pk}",
                                              bug_form(ticket, severity=Bug.Severity.S2))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == ticket_page(ticket)
    bug = Bug.objects.get()
    assert (bug.title, bug.severity) == ("Refunds fail with 422", Bug.Severity.S2)
    assert bug.fix_due_at == bug_fix_due_at(severity=Bug.Severity.S2, reported_at=reported_at)
    assert bug.fix_due_at == reported_at + datetime.timedelta(days=30)
    ticket.refresh_from_db()
    assert (ticket.bug, ticket.status) == (bug, Ticket.Status.WAITING_ON_BUG)
    assert ticket.history.get(status=Ticket.Status.WAITING_ON_BUG).history_user == staff["engineer"]

    page = client_as("engineer").get(ticket_page(ticket)).content.decode()
    assert f'id="ticket-bug" data-bug="{bug.pk}"' in page and "Waiting on bug" in page


def test_a_ticket_waiting_on_its_requester_stops_pausing_when_it_waits_on_the_bug(staff):
    ticket = new_ticket(status=Ticket.Status.IN_PROGRESS)
    ticket_set_status(ticket=ticket, status=Ticket.Status.WAITING_ON_REQUESTER, by=staff["engineer"])
    bug = Bug.objects.create(title="b", steps_to_reproduce="s", expected_behaviour="e", actual_behaviour="a",
                             severity=Bug.Severity.S3, fix_due_at="2030-01-01T00:00Z")
    ticket = ticket_wait_on_bug(ticket=ticket, bug=bug, by=staff["engineer"])
    assert (ticket.bug, ticket.status) == (bug, Ticket.Status.WAITING_ON_BUG)
    assert ticket.pauses.get().ended_at is not None


def test_a_ticket_already_waiting_on_a_bug_moves_to_the_new_one(staff):
    first, second = (Bug.objects.create(title=title, steps_to_reproduce="s", expected_behaviour="e",
                                        actual_behaviour="a", severity=Bug.Severity.S3,
                                        fix_due_at="2030-01-01T00:00Z") for title in ("first", "second"))
    ticket = new_ticket(status=Ticket.Status.WAITING_ON_BUG, bug=first)
    ticket = ticket_wait_on_bug(ticket=ticket, bug=second, by=staff["lead"])
    ticket.refresh_from_db()
    assert (ticket.bug, ticket.status) == (second, Ticket.Status.WAITING_ON_BUG)


def test_only_someone_who_works_tickets_sets_one_waiting_on_a_bug(staff):
    ticket = new_ticket()
    bug = Bug.objects.create(title="b", steps_to_reproduce="s", expected_behaviour="e", actual_behaviour="a",
                             severity=Bug.Severity.S3, fix_due_at="2030-01-01T00:00Z")
    with pytest.raises(OpsError, match=NOT_ALLOWED_TO_WAIT_ON_BUG):
        ticket_wait_on_bug(ticket=ticket, bug=bug, by=staff["developer"])
    ticket.refresh_from_db()
    assert (ticket.bug, ticket.status) == (None, Ticket.Status.NEW)


def test_a_developer_files_bugs_but_does_not_set_tickets_waiting(client_as):
    ticket = new_ticket()
    client = client_as("developer")
    form = client.get(f"{reverse('admin:support_bug_add')}?ticket={ticket.pk}").context["adminform"].form
    assert "ticket" not in form.initial and "title" not in form.initial

    response = client.post(f"{reverse('admin:support_bug_add')}?ticket={ticket.pk}", bug_form(ticket))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["ticket"] == [BUG_FILED_FROM_UNSEEN_TICKET]
    assert not Bug.objects.exists()
    ticket.refresh_from_db()
    assert (ticket.bug, ticket.status) == (None, Ticket.Status.NEW)


def test_another_platforms_ticket_is_neither_offered_nor_linked(client_as, staff):
    own, other = make_platform(), make_platform()
    theirs = new_ticket(platform=other)
    StaffPlatformAccess.objects.create(user=staff["engineer"]).platforms.set([own])
    client = client_as("engineer")
    assert client.get(file_bug_url(theirs)).status_code == 404
    response = client.post(f"{reverse('admin:support_bug_add')}?ticket={theirs.pk}", bug_form(theirs))
    assert response.context["adminform"].form.errors["ticket"] == [BUG_FILED_FROM_UNSEEN_TICKET]
    assert not Bug.objects.exists()


def test_the_draft_names_no_platform_for_a_ticket_about_none():
    ticket = new_ticket(subject="Docs unclear", description="Which header?", requester_name="Kim")
    assert bug_draft_from_ticket(ticket=ticket) == {
        "title": "Docs unclear", "steps_to_reproduce": f"Reported in {ticket.reference} by Kim.\n",
        "actual_behaviour": "Which header?", "affected_platforms": []}


def test_a_refused_ticket_is_said_above_the_bug_form(client_as, staff):
    theirs = new_ticket(platform=make_platform())
    StaffPlatformAccess.objects.create(user=staff["engineer"]).platforms.set([make_platform()])
    response = client_as("engineer").post(f"{reverse('admin:support_bug_add')}?ticket={theirs.pk}", bug_form(theirs))
    assert response.context["adminform"].form.non_field_errors() == [BUG_FILED_FROM_UNSEEN_TICKET]
    assert BUG_FILED_FROM_UNSEEN_TICKET.replace("'", "&#x27;") in response.content.decode()
