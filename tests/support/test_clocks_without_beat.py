"""The support workspace served without beat, as `make run` serves it: days later, the ticket list
and the standup show every ticket whose clock has run out as breached, because the serving
process runs the SLA job itself (opsconsole/periodic_jobs.py)."""

import datetime
import time
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opsconsole.periodic_jobs import InProcessSchedule
from support.clocks import CLOSED_STATUSES, ticket_clocks
from support.models import Ticket
from tests.conftest import sign_in_verified


def clock_says_breached(ticket: Ticket, now: datetime.datetime) -> bool:
    clocks = ticket_clocks(ticket=ticket, now=now)
    return clocks is not None and "breached" in (str(clocks.first_response.standing), str(clocks.resolution.standing))


@pytest.mark.django_db(transaction=True)
def test_days_later_the_ticket_list_and_the_standup_show_the_breached_tickets():
    call_command("seed_demo", "--scale", "0", "--force", stdout=StringIO())
    later = timezone.now() + datetime.timedelta(days=3)
    with time_machine.travel(later, tick=True):
        jobs = InProcessSchedule(settings.CELERY_BEAT_SCHEDULE)
        jobs.start()
        try:
            deadline = time.monotonic() + 60
            while not jobs.runs["refresh-ticket-slas"]:
                assert time.monotonic() < deadline, "the SLA job did not run"
                time.sleep(0.05)
        finally:
            jobs.stop()
            jobs.join(timeout=30)
        open_tickets = Ticket.objects.exclude(status__in=CLOSED_STATUSES).prefetch_related("pauses")
        breached = {ticket.pk for ticket in open_tickets if clock_says_breached(ticket, timezone.now())}
        lead = sign_in_verified(Client(), User.objects.get(username="lead"))
        listed = lead.get(reverse("admin:support_ticket_changelist"), {"resolution_sla__exact": "breached"})
        listed_too = lead.get(reverse("admin:support_ticket_changelist"), {"first_response_sla__exact": "breached"})
        standup = lead.get(reverse("support-standup")).context["board"]
    assert breached, "three days on, some demo ticket is late"
    shown = {ticket.pk for ticket in [*listed.context["cl"].result_list, *listed_too.context["cl"].result_list]}
    assert shown == breached
    breaching = next(column for column in standup.columns if column.key == "breaching")
    assert breached <= {ticket.pk for ticket in breaching.tickets}
