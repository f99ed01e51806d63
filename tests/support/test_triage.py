"""Triage of new tickets: accept, mark duplicate, decline; through the services and through the
triage inbox page. A refusal changes nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opsconsole.errors import OpsError
from support.models import Ticket, TicketKind
from support.services.triage import (
    ASSIGNEE_CANNOT_WORK_TICKETS,
    CHOOSE_AN_ASSIGNEE,
    DECLINE_NEEDS_REASON,
    NOT_ALLOWED_TO_TRIAGE,
    ONLY_NEW_TICKETS,
    ticket_accept,
    ticket_decline,
    ticket_mark_duplicate,
)
from support.triage import DUPLICATE_LOOP, DUPLICATE_OF_ITSELF, NO_SUCH_TICKET
from support.triage_views import DONE_MESSAGES
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db

INBOX = "/support/triage/"


def unchanged(ticket: Ticket) -> bool:
    before = {field: getattr(ticket, field) for field in ("status", "kind", "priority", "assignee_id", "resolution",
                                                          "duplicate_of_id", "decline_reason")}
    ticket.refresh_from_db()
    return before == {field: getattr(ticket, field) for field in before}


def test_accept_sets_kind_priority_and_assignee(staff):
    ticket = new_ticket()
    ticket_accept(ticket=ticket, kind=TicketKind.EXTERNAL_DEV_PROBLEM, priority="urgent", assignee=staff["engineer"],
                  by=staff["ops"])
    ticket.refresh_from_db()
    assert (ticket.status, ticket.kind, ticket.priority, ticket.assignee) == (
        "triaged", "external_dev_problem", "urgent", staff["engineer"])
    assert ticket.history.order_by("-history_id").first().history_user == staff["ops"]


def test_accept_refuses_what_it_cannot_do(staff):
    ticket = new_ticket()
    for arguments, message in [
        ({"assignee": None}, CHOOSE_AN_ASSIGNEE),
        ({"assignee": staff["auditor"]}, ASSIGNEE_CANNOT_WORK_TICKETS.format(name="auditor")),
        ({"by": staff["auditor"]}, NOT_ALLOWED_TO_TRIAGE),
        ({"kind": "complaint"}, "Choose the kind of ticket."),
    ]:
        with pytest.raises(OpsError) as refused:
            ticket_accept(**{"ticket": ticket, "kind": TicketKind.EXTERNAL_OPS_PROBLEM, "priority": "high",
                             "assignee": staff["engineer"], "by": staff["engineer"], **arguments})
        assert refused.value.message == message
        assert unchanged(ticket)
    ticket_accept(ticket=ticket, kind=TicketKind.EXTERNAL_OPS_PROBLEM, priority="high", assignee=staff["lead"],
                  by=staff["engineer"])
    with pytest.raises(OpsError, match=ONLY_NEW_TICKETS.format(reference=ticket.reference, status="triaged")):
        ticket_accept(ticket=ticket, kind=TicketKind.EXTERNAL_OPS_PROBLEM, priority="low", assignee=staff["lead"],
                      by=staff["engineer"])


def test_a_duplicate_is_closed_and_linked_to_its_original(staff):
    original, repeat = new_ticket(), new_ticket()
    ticket_mark_duplicate(ticket=repeat, original=original, by=staff["engineer"])
    repeat.refresh_from_db()
    assert (repeat.status, repeat.resolution, repeat.duplicate_of) == ("closed", "duplicate", original)
    assert repeat.resolved_at is not None
    assert list(original.duplicates.all()) == [repeat]


def test_a_ticket_is_never_its_own_duplicate_nor_part_of_a_loop(staff):
    first, second, third = new_ticket(), new_ticket(), new_ticket()
    with pytest.raises(OpsError, match=DUPLICATE_OF_ITSELF):
        ticket_mark_duplicate(ticket=first, original=first, by=staff["engineer"])
    assert unchanged(first)
    ticket_mark_duplicate(ticket=third, original=second, by=staff["engineer"])
    # `second` is open still (its duplicate was closed); making it a duplicate of `third` would loop.
    with pytest.raises(OpsError) as refused:
        ticket_mark_duplicate(ticket=second, original=third, by=staff["engineer"])
    assert refused.value.message == DUPLICATE_LOOP.format(
        original=third.reference, reference=second.reference, chain=f"{third.reference} → {second.reference}")
    assert refused.value.field == "original"
    assert unchanged(second)


def test_decline_needs_a_reason(staff):
    ticket = new_ticket()
    with pytest.raises(OpsError, match=DECLINE_NEEDS_REASON):
        ticket_decline(ticket=ticket, reason="   ", by=staff["engineer"])
    assert unchanged(ticket)
    ticket_decline(ticket=ticket, reason="We do not support that card scheme.", by=staff["engineer"])
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution, ticket.decline_reason) == (
        "closed", "declined", "We do not support that card scheme.")


def test_the_inbox_lists_new_tickets_oldest_first_with_their_clock(client_as):
    newer = new_ticket(subject="Newer")
    older = new_ticket(subject="Older", created_at=newer.created_at.replace(year=newer.created_at.year - 1))
    triaged = new_ticket(subject="Triaged already", status=Ticket.Status.TRIAGED)
    assert INBOX == reverse("support-triage")
    response = client_as("auditor").get(INBOX)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(older.reference) < page.index(newer.reference)
    assert triaged.reference not in page
    assert 'data-sla="breached"' in page  # the year-old one
    assert 'class="triage-form' not in page  # the auditor reads, cannot triage
    assert 'class="triage-form' in client_as("engineer").get(INBOX).content.decode()
    assert client_as("nobody").get(INBOX).status_code == 403


def post_decision(client, ticket: Ticket, decision: str, **fields):
    data = {"ticket": ticket.pk, "decision": decision, **{f"ticket-{ticket.pk}-{name}": value
                                                           for name, value in fields.items()}}
    return client.post(INBOX, data, follow=True)


def test_accept_duplicate_and_decline_from_the_inbox(client_as, staff):
    accepted, original, repeat, declined = new_ticket(), new_ticket(), new_ticket(), new_ticket()
    client = client_as("engineer")

    response = post_decision(client, accepted, "accept", kind="external_dev_inquiry", priority="low",
                             assignee=staff["ops"].pk)
    done_message = DONE_MESSAGES["accept"].format(reference=accepted.reference, assignee=staff["ops"])
    assert done_message in response.content.decode()
    accepted.refresh_from_db()
    assert (accepted.status, accepted.kind, accepted.priority, accepted.assignee) == (
        "triaged", "external_dev_inquiry", "low", staff["ops"])

    post_decision(client, repeat, "duplicate", original=f" {original.reference.lower()} ")
    repeat.refresh_from_db()
    assert (repeat.status, repeat.duplicate_of) == ("closed", original)

    post_decision(client_as("ops"), declined, "decline", reason="Ask your bank.")
    declined.refresh_from_db()
    assert (declined.status, declined.decline_reason) == ("closed", "Ask your bank.")


def test_a_refusal_is_shown_next_to_its_field_and_changes_nothing(client_as):
    ticket = new_ticket()
    client = client_as("engineer")
    for decision, fields, field, message in [
        ("duplicate", {"original": "SUP-999999"}, "original", NO_SUCH_TICKET.format(reference="SUP-999999")),
        ("duplicate", {"original": ticket.reference}, "original", DUPLICATE_OF_ITSELF),
        ("decline", {"reason": ""}, "reason", DECLINE_NEEDS_REASON),
        ("accept", {"kind": "external_ops_problem", "priority": "high", "assignee": ""}, "assignee",
         CHOOSE_AN_ASSIGNEE),
    ]:
        response = post_decision(client, ticket, decision, **fields)
        assert response.status_code == 200
        form = next(row["form"] for row in response.context["rows"] if row["ticket"].pk == ticket.pk)
        assert form.errors == {field: [message]}, decision
        assert message in response.content.decode()
        assert unchanged(ticket)


def test_reading_is_not_triaging(client_as):
    ticket = new_ticket()
    response = client_as("auditor").post(INBOX, {"ticket": ticket.pk, "decision": "decline",
                                                 f"ticket-{ticket.pk}-reason": "No"})
    assert response.status_code == 403
    assert unchanged(ticket)
    assert client_as("nobody").post(INBOX, {"ticket": ticket.pk}).status_code == 403


def test_the_sidebar_links_the_inbox_for_the_team(client_as):
    assert INBOX in client_as("engineer").get(reverse("admin:index")).content.decode()
    assert INBOX not in client_as("nobody").get(reverse("admin:index")).content.decode()


def test_the_inbox_reads_in_a_fixed_number_of_queries(client_as):
    client = client_as("engineer")

    def queries_for_inbox() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INBOX).status_code == 200
        return len(queries)

    new_ticket()
    client.get(INBOX)  # the first page after signing in moves the session's expiry on
    few = queries_for_inbox()
    for _ in range(10):
        new_ticket()
    assert queries_for_inbox() == few
