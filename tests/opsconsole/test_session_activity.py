"""A signed-in session's expiry moves on at most once a minute (opsconsole/session_activity.py):
pages in quick succession do not write the session, and the idle timeout still holds to within
that minute."""

import datetime

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opsconsole.session_activity import SESSION_REFRESH_SECONDS

DASHBOARD_URL = reverse("admin:index")
LOGIN_URL = reverse("admin:login")
MONDAY_MORNING = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
IDLE_TIMEOUT = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
REFRESH_INTERVAL = datetime.timedelta(seconds=SESSION_REFRESH_SECONDS)


def session_writes(client: Client, url: str = DASHBOARD_URL) -> list[str]:
    """The statements writing the session table while `client` opens `url` (which must open)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    table = Session._meta.db_table
    return [query["sql"] for query in captured.captured_queries
            if table in query["sql"] and query["sql"].startswith(("UPDATE", "INSERT"))]


def expiry_of(client: Client) -> datetime.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_page_right_after_another_does_not_write_the_session(client_as):
    client = client_as("ops")
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        assert len(session_writes(client)) == 1  # the first page notes when it moved the expiry on
        expiry = expiry_of(client)
        clock.shift(REFRESH_INTERVAL - datetime.timedelta(seconds=1))
        assert session_writes(client) == []
        assert session_writes(client, reverse("admin:payments_item_changelist")) == []
    assert expiry_of(client) == expiry


def test_a_page_after_the_interval_moves_the_expiry_on(client_as):
    client = client_as("ops")
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        session_writes(client)
        assert expiry_of(client) == MONDAY_MORNING + IDLE_TIMEOUT
        clock.shift(REFRESH_INTERVAL)
        assert len(session_writes(client)) == 1
    assert expiry_of(client) == MONDAY_MORNING + REFRESH_INTERVAL + IDLE_TIMEOUT


def signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"] == f"{LOGIN_URL}?next={DASHBOARD_URL}"


def test_a_session_idle_past_the_timeout_is_signed_out(client_as):
    client = client_as("ops")
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        session_writes(client)
        clock.shift(IDLE_TIMEOUT - datetime.timedelta(seconds=1))
        assert session_writes(client) != []  # still signed in, and the expiry moves on
        clock.shift(IDLE_TIMEOUT + datetime.timedelta(seconds=1))
        assert signed_out(client.get(DASHBOARD_URL))


def test_the_timeout_counts_from_the_last_move_so_it_may_end_up_to_the_interval_early(client_as):
    client = client_as("ops")
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        session_writes(client)
        clock.shift(REFRESH_INTERVAL / 2)
        assert session_writes(client) == []  # in use, but the expiry stays where it was
        clock.shift(IDLE_TIMEOUT - REFRESH_INTERVAL / 2)
        assert signed_out(client.get(DASHBOARD_URL))


def test_pages_without_a_sign_in_create_no_session(db):
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LOGIN_URL).status_code == 200
    assert not Session.objects.exists()
    assert "sessionid" not in client.cookies
    assert not any(Session._meta.db_table in query["sql"] for query in captured.captured_queries)
