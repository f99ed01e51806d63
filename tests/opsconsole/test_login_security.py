"""Signing in and staying signed in, over HTTP: lockout after repeated failures for one username
at one address (and its record on the audit trail), idle sessions ending after 15 minutes, CSRF
on every state-changing request, the content security policy and the production headers, and
password rules."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.ops.change_email import ChangeCustomerEmail
from audit.models import AuditEvent
from opsconsole.models import TaskRun
from opsconsole.password_rules import CONTAINS_USERNAME
from opsconsole.tasking.services import Origin, task_run_request
from tests.conftest import PASSWORD, authenticator_code, authenticator_of, sign_in_verified
from tests.factories import make_customer

PROJECT_DIR = Path(__file__).resolve().parents[2]
LOGIN_URL = reverse("admin:login")
CODE_STEP_URL = reverse("signin-code")
DASHBOARD_URL = reverse("admin:index")
HOME, ELSEWHERE = "203.0.113.10", "198.51.100.20"
MONDAY_MORNING = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
LOCKOUT_MESSAGE = "The account is locked here for 15 minutes."


def sign_in(client: Client, username: str, password: str):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def password_accepted(response) -> bool:
    """The password step passed: on to the second factor (tests/opsconsole/test_second_factor.py)."""
    return response.status_code == 302 and response["Location"].startswith(CODE_STEP_URL)


def complete_sign_in(client: Client, person):
    sign_in(client, person.get_username(), PASSWORD)
    return client.post(CODE_STEP_URL, {"code": authenticator_code(authenticator_of(person))})


def fail_until_locked(client: Client, username: str = "ops") -> list:
    return [sign_in(client, username, "not-the-password") for _ in range(5)]


def login_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# Lockout.


def test_five_failures_lock_the_username_at_that_address_with_a_clear_page(staff):
    client = Client(REMOTE_ADDR=HOME)
    *first_four, fifth = fail_until_locked(client)
    assert all(response.status_code == 200 for response in first_four)
    assert fifth.status_code == 429
    assert LOCKOUT_MESSAGE in fifth.content.decode()
    assert "“ops”" in fifth.content.decode()

    with_the_right_password = sign_in(client, "ops", PASSWORD)
    assert with_the_right_password.status_code == 429
    assert LOCKOUT_MESSAGE in with_the_right_password.content.decode()
    assert client.get(DASHBOARD_URL).status_code == 302  # still signed out


def test_the_lockout_is_for_that_username_and_address_together(staff):
    fail_until_locked(Client(REMOTE_ADDR=HOME))
    assert password_accepted(sign_in(Client(REMOTE_ADDR=ELSEWHERE), "ops", PASSWORD))
    assert password_accepted(sign_in(Client(REMOTE_ADDR=HOME), "lead", PASSWORD))


def test_the_lockout_ends_after_15_minutes(staff):
    client = Client(REMOTE_ADDR=HOME)
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        fail_until_locked(client)
        clock.shift(datetime.timedelta(minutes=14))
        assert sign_in(client, "ops", PASSWORD).status_code == 429
        clock.shift(datetime.timedelta(minutes=2))
        assert password_accepted(sign_in(client, "ops", PASSWORD))


def test_a_successful_sign_in_clears_earlier_failures(staff):
    client = Client(REMOTE_ADDR=HOME)
    for _ in range(4):
        sign_in(client, "ops", "not-the-password")
    assert complete_sign_in(client, staff["ops"])["Location"] == DASHBOARD_URL
    client.logout()
    for _ in range(4):
        assert sign_in(client, "ops", "not-the-password").status_code == 200


def test_the_trail_records_each_failure_the_lockout_once_and_each_refused_attempt(staff):
    client = Client(REMOTE_ADDR=HOME, HTTP_USER_AGENT="Mozilla/5.0 (lockout test)")
    fail_until_locked(client)
    sign_in(client, "ops", PASSWORD)
    sign_in(client, "ops", "not-the-password")

    failures = login_events(AuditEvent.Action.LOGIN_FAILED)
    assert len(failures) == 7  # one per attempt, none twice
    assert [event.details.get("locked_out", False) for event in failures] == [False] * 5 + [True] * 2
    assert failures[4].summary == "Wrong username or password for 'ops'"
    assert failures[5].summary == "Sign-in refused for 'ops': locked out after too many failed sign-ins"

    [lockout] = login_events(AuditEvent.Action.LOCKED_OUT)
    assert (lockout.outcome, lockout.actor_name, lockout.ip_address, lockout.user_agent) == (
        AuditEvent.Outcome.FAILURE, "ops", HOME, "Mozilla/5.0 (lockout test)")
    assert lockout.details == {"failures": 5, "lockout_minutes": 15}
    assert not login_events(AuditEvent.Action.LOGIN)


@pytest.mark.parametrize("variable", ["LOGIN_FAILURE_LIMIT", "LOGIN_LOCKOUT_MINUTES", "SESSION_IDLE_MINUTES"])
@pytest.mark.parametrize("value", ["0", "fifteen"])
def test_an_unreadable_limit_stops_start_up_naming_the_setting(variable, value):
    env = {key: val for key, val in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1", variable: value},
    )
    assert result.returncode != 0
    assert f"{variable} must be a whole number of 1 or more, not '{value}'" in result.stderr


# Idle sessions.


def test_a_session_idle_for_16_minutes_is_sent_to_the_login_page(staff):
    client = Client()
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        sign_in_verified(client, staff["ops"])
        assert client.get(DASHBOARD_URL).status_code == 200
        clock.shift(datetime.timedelta(minutes=16))
        response = client.get(DASHBOARD_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={DASHBOARD_URL}"


def test_a_session_in_use_stays_open_past_15_minutes(staff):
    client = Client()
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        sign_in_verified(client, staff["ops"])
        for _ in range(4):  # a request every 7 minutes: 28 minutes in all
            clock.shift(datetime.timedelta(minutes=7))
            assert client.get(DASHBOARD_URL).status_code == 200
        clock.shift(datetime.timedelta(minutes=14))
        assert client.get(DASHBOARD_URL).status_code == 200


def test_the_session_cookie_ends_with_the_browser(staff):
    response = complete_sign_in(Client(), staff["ops"])
    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"]


# CSRF: every state-changing request is a POST that carries the form's token.


@pytest.fixture
def needs_approval(monkeypatch):
    monkeypatch.setattr(ChangeCustomerEmail, "requires_approval", lambda self, target, params: True)


@pytest.fixture
def customer(db):
    return make_customer(email="old@example.com")


def strict_client(person) -> Client:
    return sign_in_verified(Client(enforce_csrf_checks=True), person)


def csrf_token(client: Client, url: str) -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


def task_url(customer) -> str:
    return reverse("task-page", kwargs={"slug": ChangeCustomerEmail.slug, "target_id": customer.pk})


def decide_url(run: TaskRun) -> str:
    return reverse("admin:opsconsole_taskrun_decide", args=[run.pk])


CONFIRM = {"step": "confirm", "new_email": "new@example.com", "reason": "Customer lost the old mailbox",
           "ticket_reference": "SUP-42", "idempotency_key": "csrf-key"}


def email_of(customer) -> str:
    customer.refresh_from_db()
    return customer.email


def test_a_task_request_without_the_csrf_token_is_refused_and_changes_nothing(staff, customer):
    client = strict_client(staff["ops"])
    response = client.post(task_url(customer), CONFIRM)
    assert response.status_code == 403
    assert not TaskRun.objects.exists() and email_of(customer) == "old@example.com"

    token = csrf_token(client, task_url(customer))
    with_token = client.post(task_url(customer), {**CONFIRM, "csrfmiddlewaretoken": token})
    assert with_token.status_code == 302
    assert email_of(customer) == "new@example.com"


def test_a_get_of_the_task_page_only_shows_the_form(staff, customer):
    response = strict_client(staff["ops"]).get(task_url(customer), CONFIRM)
    assert response.status_code == 200
    assert not TaskRun.objects.exists() and email_of(customer) == "old@example.com"


@pytest.fixture
def waiting_run(staff, customer, needs_approval) -> TaskRun:
    return task_run_request(
        slug=ChangeCustomerEmail.slug, target_id=customer.pk, raw_params={"new_email": "new@example.com"},
        reason="Customer lost the old mailbox", origin=Origin(user=staff["ops"], source=TaskRun.Source.WEB),
    )


def status_of(run: TaskRun) -> str:
    run.refresh_from_db()
    return run.status


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_a_decision_without_the_csrf_token_is_refused_and_changes_nothing(staff, customer, waiting_run, decision):
    client = strict_client(staff["lead"])
    response = client.post(decide_url(waiting_run), {"decision": decision, "comment": "Checked ID on the call"})
    assert response.status_code == 403
    assert status_of(waiting_run) == TaskRun.Status.AWAITING_APPROVAL and email_of(customer) == "old@example.com"


def test_a_decision_with_the_csrf_token_is_taken(staff, customer, waiting_run):
    client = strict_client(staff["lead"])
    token = csrf_token(client, reverse("admin:opsconsole_taskrun_change", args=[waiting_run.pk]))
    client.post(decide_url(waiting_run), {"decision": "approve", "csrfmiddlewaretoken": token})
    assert status_of(waiting_run) == TaskRun.Status.SUCCEEDED and email_of(customer) == "new@example.com"


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_a_get_of_the_decision_url_is_not_allowed_and_changes_nothing(staff, customer, waiting_run, decision):
    response = strict_client(staff["lead"]).get(decide_url(waiting_run), {"decision": decision, "comment": "x"})
    assert response.status_code == 405
    assert status_of(waiting_run) == TaskRun.Status.AWAITING_APPROVAL and email_of(customer) == "old@example.com"


def test_signing_in_without_the_csrf_token_is_refused(staff):
    response = Client(enforce_csrf_checks=True).post(LOGIN_URL, {"username": "ops", "password": PASSWORD})
    assert response.status_code == 403
    assert not login_events(AuditEvent.Action.LOGIN)


# The content security policy and the production headers.

CONSOLE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self' 'unsafe-eval'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.parametrize("url", [DASHBOARD_URL, "/accounts/customer/", "/search/?q=nobody@example.com"])
def test_every_page_carries_the_content_security_policy(client_as, url):
    response = client_as("ops").get(url)
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == CONSOLE_POLICY


def test_the_login_and_lockout_pages_carry_it_too(staff):
    client = Client(REMOTE_ADDR=HOME)
    assert directives(client.get(LOGIN_URL)["Content-Security-Policy"]) == CONSOLE_POLICY
    lockout_page = fail_until_locked(client)[-1]
    assert directives(lockout_page["Content-Security-Policy"]) == CONSOLE_POLICY


def test_the_second_steps_pages_carry_it_too(staff):
    enrolling = Client()
    sign_in(enrolling, "lead", PASSWORD)  # no authenticator yet: the enrolment page, with its QR code
    assert directives(enrolling.get(reverse("signin-enrol"))["Content-Security-Policy"]) == CONSOLE_POLICY
    authenticator_of(staff["ops"])
    client = Client()
    sign_in(client, "ops", PASSWORD)
    assert directives(client.get(CODE_STEP_URL)["Content-Security-Policy"]) == CONSOLE_POLICY


# Run in its own interpreter: settings are read once, at start-up, from the environment.
PRODUCTION_RESPONSE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/login/", secure=True, HTTP_HOST="ops.example.com")
print(json.dumps({
    "status": response.status_code, "headers": dict(response.headers),
    "csrf_cookie_secure": bool(response.cookies["csrftoken"]["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE, "plain_http": Client().get(
        "/login/", HTTP_HOST="ops.example.com").status_code,
}))
"""


def test_production_sends_hsts_and_the_policy_and_secure_cookies(tmp_path):
    env = {key: val for key, val in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_RESPONSE], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0",
             "DJANGO_SECRET_KEY": "production-like-" + "q7Rz!x2Lp9" * 5, "DJANGO_ALLOWED_HOSTS": "ops.example.com",
             "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}"},
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert answer["headers"]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert directives(answer["headers"]["Content-Security-Policy"]) == CONSOLE_POLICY
    assert answer["headers"]["X-Frame-Options"] == "DENY"
    assert answer["csrf_cookie_secure"] and answer["session_cookie_secure"]
    assert answer["plain_http"] == 301  # to https


# Passwords.


@pytest.mark.parametrize(("password", "reason"), [
    ("Tr0ub4dor&3", "This password is too short. It must contain at least 12 characters."),
    ("password1234", "This password is too common."),
    ("402938475610", "This password is entirely numeric."),
    ("maria.rossi.ops", "The password is too similar to the username."),
    ("Maria.Rossi.Ops-in-2026!", CONTAINS_USERNAME),
])
def test_a_weak_password_is_refused_saying_why(staff, password, reason):
    person = staff["ops"]
    person.username = "maria.rossi.ops"
    with pytest.raises(ValidationError) as refusal:
        validate_password(password, person)
    assert reason in refusal.value.messages


def test_a_superuser_cannot_give_a_staff_user_a_weak_password(client_as, staff):
    url = reverse("admin:auth_user_password_change", args=[staff["ops"].pk])
    response = client_as("root").post(url, {"password1": "password1234", "password2": "password1234"})
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    staff["ops"].refresh_from_db()
    assert staff["ops"].check_password(PASSWORD)


def test_a_password_repeating_a_short_username_is_refused(staff):
    person = staff["lead"]
    person.username = "lead2"
    with pytest.raises(ValidationError) as refusal:
        validate_password("lead2lead2lead2", person)
    assert refusal.value.messages == [CONTAINS_USERNAME]


def test_a_strong_password_passes(staff):
    validate_password("brisk-harbour-lantern-71", staff["ops"])


FORWARDED_PROTO_RESPONSE = """
import json, django
django.setup()
from django.test import Client
answers = {}
for address in ("203.0.113.50", "10.1.2.3"):
    answers[address] = Client(REMOTE_ADDR=address).get("/login/", HTTP_HOST="ops.example.com",
                                                      HTTP_X_FORWARDED_PROTO="https").status_code
print(json.dumps(answers))
"""


def production_answer(script: str, tmp_path, **environment) -> subprocess.CompletedProcess:
    env = {key: val for key, val in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0",
             "DJANGO_SECRET_KEY": "production-like-" + "q7Rz!x2Lp9" * 5, "DJANGO_ALLOWED_HOSTS": "ops.example.com",
             "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}", **environment},
    )


def test_a_claim_of_https_is_believed_only_from_a_trusted_proxy(tmp_path):
    result = production_answer(FORWARDED_PROTO_RESPONSE, tmp_path, DJANGO_TRUSTED_PROXIES="10.0.0.0/8")
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers == {"203.0.113.50": 301, "10.1.2.3": 200}  # a client's own claim is sent to https


LOCAL_TRIAL_RESPONSE = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/login/", HTTP_HOST="127.0.0.1")
print(json.dumps({"status": response.status_code, "csrf_cookie_secure": bool(response.cookies["csrftoken"]["secure"]),
                  "hsts": response.headers.get("Strict-Transport-Security")}))
"""


def test_a_local_trial_over_plain_http_signs_in_on_loopback_only(tmp_path):
    result = production_answer(LOCAL_TRIAL_RESPONSE, tmp_path, DJANGO_LOCAL_HTTP_TRIAL="1",
                               DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"status": 200, "csrf_cookie_secure": False,
                                                                   "hsts": None}
    refused = production_answer(LOCAL_TRIAL_RESPONSE, tmp_path, DJANGO_LOCAL_HTTP_TRIAL="1")
    assert refused.returncode != 0 and "DJANGO_LOCAL_HTTP_TRIAL serves without TLS" in refused.stderr
