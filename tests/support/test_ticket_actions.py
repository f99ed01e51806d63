"""On a ticket's page: link a record by the key ops staff know it by, and escalate to the lead."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from opsconsole.business_calendar import SUPPORT_CALENDAR
from support.models import RotaWeek, TicketLink
from support.services.links import NOT_ALLOWED_TO_LINK, NOTHING_MATCHES
from tests.factories import make_batch, make_customer, make_platform
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db


def post(client, ticket, action, data=None):
    response = client.post(reverse(f"support-ticket-{action}", args=[ticket.pk]), data or {})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:support_ticket_change", args=[ticket.pk])
    # Messages not yet shown pile up across requests: the newest is this action's.
    return [str(message) for message in get_messages(response.wsgi_request)][-1:]


def test_a_record_is_linked_by_its_reference_and_the_page_offers_its_tasks(client_as):
    ticket = new_ticket()
    batch = make_batch(reference="B-70707")
    customer = make_customer(email="linked.seller@example.com")
    engineer = client_as("engineer")
    assert post(engineer, ticket, "link-record", {"query": "B-70707"}) == [
        f"Batch B-70707 is linked to {ticket.reference}."]
    post(engineer, ticket, "link-record", {"query": "LINKED.seller@example.com"})
    assert {(link.target_type.model, link.target_id) for link in ticket.links.all()} == {
        ("batch", str(batch.pk)), ("customer", str(customer.pk))}
    page = engineer.get(reverse("admin:support_ticket_change", args=[ticket.pk])).content.decode()
    assert f"/tasks/change-email/{customer.pk}/?ticket_reference={ticket.reference}" in page


def test_a_key_matching_nothing_or_several_records_links_nothing(client_as):
    ticket = new_ticket()
    platform = make_platform()
    make_customer(platform=platform, email="rossi.one@ceramics.example.com")
    make_customer(platform=platform, email="rossi.two@ceramics.example.com")
    engineer = client_as("engineer")
    assert post(engineer, ticket, "link-record", {"query": "B-00000"}) == [NOTHING_MATCHES.format(query="B-00000")]
    several = post(engineer, ticket, "link-record", {"query": "rossi"})
    assert several[0].startswith("2 records match “rossi”")
    assert not TicketLink.objects.exists()


def test_an_auditor_links_nothing(client_as):
    ticket = new_ticket()
    make_batch(reference="B-70708")
    assert post(client_as("auditor"), ticket, "link-record", {"query": "B-70708"}) == [NOT_ALLOWED_TO_LINK]
    assert not TicketLink.objects.exists()


def test_escalation_goes_to_the_weeks_lead_and_raises_the_priority(client_as, staff):
    today = timezone.localdate(timezone.now(), SUPPORT_CALENDAR.time_zone)  # the rota's weeks are Sydney's
    RotaWeek.objects.create(week_starting=today - datetime.timedelta(days=today.weekday()),
                            on_duty=staff["engineer"], lead=staff["lead"])
    ticket = new_ticket(priority="normal")
    post(client_as("engineer"), ticket, "escalate")
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.priority) == (staff["lead"], "high")


def test_escalation_without_a_rota_says_so_and_changes_nothing(client_as):
    ticket = new_ticket(priority="normal")
    messages = post(client_as("engineer"), ticket, "escalate")
    ticket.refresh_from_db()
    assert "rota" in messages[0].lower() and ticket.priority == "normal"


def test_the_lead_swaps_the_duty_on_the_rota_page_and_the_swap_is_recorded(client_as, staff):
    week = RotaWeek.objects.create(week_starting=datetime.date(2026, 11, 23), on_duty=staff["engineer"],
                                   lead=staff["lead"])
    lead = client_as("lead")
    page = lead.get(reverse("admin:support_rotaweek_change", args=[week.pk])).content.decode()
    assert 'id="rota-swap"' in page
    response = lead.post(reverse("support-rota-swap", args=[week.pk]),
                         {"new_on_duty": staff["lead"].pk, "reason": "Engineer on leave"})
    assert response.status_code == 302
    week.refresh_from_db()
    swap = week.swaps.get()
    assert (week.on_duty, swap.previous_on_duty, swap.reason, swap.swapped_by) == (
        staff["lead"], staff["engineer"], "Engineer on leave", staff["lead"])


def test_a_swap_without_a_reason_or_by_an_engineer_changes_nothing(client_as, staff):
    week = RotaWeek.objects.create(week_starting=datetime.date(2026, 11, 23), on_duty=staff["engineer"],
                                   lead=staff["lead"])
    swap_url = reverse("support-rota-swap", args=[week.pk])
    client_as("lead").post(swap_url, {"new_on_duty": staff["lead"].pk, "reason": " "})
    client_as("engineer").post(swap_url, {"new_on_duty": staff["lead"].pk, "reason": "x"})
    week.refresh_from_db()
    assert week.on_duty == staff["engineer"] and not week.swaps.exists()
