"""Signing in with a second factor, over HTTP with the real database: the password step leads to
the code step, never into the console; enrolment on first sign-in (the authenticator confirmed
only by a right code, the recovery codes shown once); a right code signs in; a wrong one is
refused, recorded and counted with wrong passwords towards the lockout, which also refuses the
code step; a recovery code signs in once; a session without the second factor opens no page; a
request sent with the cookie from before signing in does not sign the person out.

Codes are worked out from the devices' keys as an authenticator app does (django-otp's TOTP),
with the clock moved on between attempts: django-otp accepts each code once, and after a wrong
one waits 1, 2, 4… seconds before it checks another."""

import datetime
import re
from base64 import b32decode

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from opsconsole.second_factor.lockout import AUTHENTICATOR_CODE, RECOVERY_CODE
from opsconsole.second_factor.pending import PENDING_SECONDS
from opsconsole.second_factor.services import RECOVERY_CODE_COUNT, WAIT_FOR_NEXT_CODE, WRONG_CODE, recovery_codes_issue
from tests.admin_models import registered_models
from tests.conftest import PASSWORD, authenticator_code, authenticator_of, sign_in_verified

LOGIN_URL = reverse("admin:login")
CODE_STEP_URL = reverse("signin-code")
ENROL_URL = reverse("signin-enrol")
RECOVERY_CODES_URL = reverse("signin-recovery-codes")
DASHBOARD_URL = reverse("admin:index")
HOME = "203.0.113.10"
MONDAY_MORNING = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
# Longer than django-otp's wait after four wrong codes (8 s) and than a code's 30 s.
A_LITTLE_LATER = datetime.timedelta(seconds=31)
LOCKOUT_MESSAGE = "The account is locked here for 15 minutes."


def password_step(client: Client, username: str, password: str = PASSWORD, *, next_url: str = ""):
    return client.post(LOGIN_URL + (f"?next={next_url}" if next_url else ""),
                       {"username": username, "password": password})


def code_step(client: Client, code: str, *, next_url: str = ""):
    return client.post(CODE_STEP_URL + (f"?next={next_url}" if next_url else ""), {"code": code})


def recovery_code_step(client: Client, recovery_code: str):
    return client.post(CODE_STEP_URL, {"recovery-code": recovery_code})


def sign_in_with_code(client: Client, person) -> object:
    """Both steps, as a person does: the password, then the code their authenticator shows."""
    password_step(client, person.get_username())
    return code_step(client, authenticator_code(authenticator_of(person)))


def signed_in(client: Client) -> bool:
    return client.get(DASHBOARD_URL).status_code == 200


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def failures_counted(username: str) -> int:
    return sum(AccessAttempt.objects.filter(username=username).values_list("failures_since_start", flat=True))


def wrong_code_for(person) -> str:
    return wrong_code_for_key(authenticator_of(person).bin_key)


def wrong_code_for_key(key: bytes) -> str:
    """A code the app with `key` does not show now, nor 30 seconds before or after (the steps
    django-otp accepts)."""
    accepted = {totp(key, drift=steps) for steps in (-1, 0, 1)}
    return next(f"{code:06d}" for code in range(4) if code not in accepted)


def type_wrong_codes(client: Client, person, clock, times: int) -> list:
    """`times` wrong codes at the code step, each a little after the last (past django-otp's wait)."""
    answers = []
    for _ in range(times):
        answers.append(code_step(client, wrong_code_for(person)))
        clock.shift(A_LITTLE_LATER)
    return answers


def enrolment_key(page: str) -> bytes:
    [key_text] = re.findall(r'<code id="authenticator-key"[^>]*>([A-Z2-7 ]+)</code>', page)
    return b32decode(key_text.replace(" ", ""))


def code_from_key(key: bytes) -> str:
    return f"{totp(key):06d}"


def code_step_on_enrolment(client: Client, code: str):
    return client.post(ENROL_URL, {"code": code})


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ops(staff):
    authenticator_of(staff["ops"])
    return staff["ops"]


# The password step.


def test_a_right_password_leads_to_the_code_step_and_not_into_the_console(ops):
    client = Client()
    response = password_step(client, "ops", next_url="/accounts/customer/")
    assert response.status_code == 302
    assert response["Location"] == f"{CODE_STEP_URL}?next=%2Faccounts%2Fcustomer%2F"
    assert not signed_in(client)
    assert client.get(DASHBOARD_URL)["Location"] == f"{LOGIN_URL}?next={DASHBOARD_URL}"
    assert not events(AuditEvent.Action.LOGIN)


def test_the_code_step_without_the_password_step_goes_back_to_it(ops):
    response = Client().get(CODE_STEP_URL)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN_URL)
    assert Client().get(ENROL_URL)["Location"].startswith(LOGIN_URL)


def test_the_code_step_waits_ten_minutes_after_the_password(ops, clock):
    client = Client()
    password_step(client, "ops")
    clock.shift(datetime.timedelta(seconds=PENDING_SECONDS + 1))
    response = code_step(client, authenticator_code(authenticator_of(ops)))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN_URL)
    assert not signed_in(client)


# The code step.


def test_the_code_page_is_made_for_the_keyboard_and_looks_like_the_login_page(ops):
    client = Client()
    password_step(client, "ops")
    page = client.get(CODE_STEP_URL).content.decode()
    [code_input] = re.findall(r'<input[^>]*name="code"[^>]*>', page)
    for attribute in ('autocomplete="one-time-code"', 'inputmode="numeric"', "autofocus"):
        assert attribute in code_input
    assert 'id="login-form"' not in page and "Second step of signing in to" in page
    assert 'name="recovery-code"' in page


def test_a_right_code_signs_in_where_the_person_was_going_and_is_recorded_once(ops):
    client = Client(REMOTE_ADDR=HOME)
    password_step(client, "ops", next_url="/accounts/customer/")
    response = code_step(client, authenticator_code(authenticator_of(ops)), next_url="/accounts/customer/")
    assert response.status_code == 302 and response["Location"] == "/accounts/customer/"
    assert client.get("/accounts/customer/").status_code == 200
    [login] = events(AuditEvent.Action.LOGIN)
    assert (login.actor, login.ip_address, login.details) == (ops, HOME, {"second_factor": "Authenticator app"})
    assert not events(AuditEvent.Action.SECOND_FACTOR_FAILED)


def test_a_request_sent_before_signing_in_does_not_sign_the_person_out(ops):
    """Signing in ends the password step's session and gives the browser a new cookie. The icon
    a browser asks for on every page, asked for on the code page, can be answered after that
    with the old cookie; had Django answered it, finding that session gone, its answer would
    have told the browser to forget the cookie, the new one, signing the person out just after
    they signed in. The icon is a file served before the session is read (WHITENOISE_ROOT)."""
    client = Client()
    password_step(client, "ops")
    before_signing_in = client.cookies[settings.SESSION_COOKIE_NAME].value
    code_step(client, authenticator_code(authenticator_of(ops)))
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before_signing_in

    late = Client()
    late.cookies[settings.SESSION_COOKIE_NAME] = before_signing_in
    icon = late.get("/favicon.ico")
    assert icon.status_code == 200 and icon["Content-Type"].startswith("image/")
    client.cookies.update(icon.cookies)  # as the browser takes whatever cookies an answer sets
    assert signed_in(client)


def test_a_code_elsewhere_than_this_console_is_not_followed(ops):
    client = Client()
    password_step(client, "ops")
    response = code_step(client, authenticator_code(authenticator_of(ops)), next_url="https://evil.example.com/")
    assert response["Location"] == DASHBOARD_URL


def test_a_wrong_code_is_refused_recorded_and_counted_but_not_as_a_wrong_password(ops):
    client = Client(REMOTE_ADDR=HOME)
    password_step(client, "ops")
    response = code_step(client, wrong_code_for(ops))
    assert response.status_code == 200
    assert WRONG_CODE[AUTHENTICATOR_CODE] in response.content.decode()
    assert not signed_in(client)
    [failed] = events(AuditEvent.Action.SECOND_FACTOR_FAILED)
    assert (failed.outcome, failed.actor_name, failed.ip_address) == (AuditEvent.Outcome.FAILURE, "ops", HOME)
    assert failed.summary == "Wrong authenticator code for 'ops'"
    assert failed.details == {"second_factor": AUTHENTICATOR_CODE}
    assert not events(AuditEvent.Action.LOGIN_FAILED) and not events(AuditEvent.Action.LOGIN)
    assert failures_counted("ops") == 1


def test_a_code_is_accepted_once(ops, clock):
    code = authenticator_code(authenticator_of(ops))
    assert sign_in_with_code(Client(), ops).status_code == 302
    again = Client()
    password_step(again, "ops")
    clock.shift(datetime.timedelta(seconds=5))  # the same 30 seconds: the app still shows the same code
    assert WRONG_CODE[AUTHENTICATOR_CODE] in code_step(again, code).content.decode()
    assert not signed_in(again)


def test_a_code_typed_straight_after_a_wrong_one_waits_without_being_counted(ops, clock):
    client = Client()
    password_step(client, "ops")
    code_step(client, wrong_code_for(ops))
    response = code_step(client, authenticator_code(authenticator_of(ops)))
    assert WAIT_FOR_NEXT_CODE.format(seconds=1, plural="") in response.content.decode()
    assert failures_counted("ops") == 1 and len(events(AuditEvent.Action.SECOND_FACTOR_FAILED)) == 1
    clock.shift(datetime.timedelta(seconds=2))
    assert code_step(client, authenticator_code(authenticator_of(ops))).status_code == 302
    assert signed_in(client)


# The lockout covers the code step.


def test_wrong_codes_lock_the_person_out_and_then_a_right_code_is_refused(ops, clock):
    client = Client(REMOTE_ADDR=HOME)
    password_step(client, "ops")
    answers = type_wrong_codes(client, ops, clock, 5)
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 429]
    assert LOCKOUT_MESSAGE in answers[-1].content.decode()

    with_the_right_code = code_step(client, authenticator_code(authenticator_of(ops)))
    assert with_the_right_code.status_code == 429 and LOCKOUT_MESSAGE in with_the_right_code.content.decode()
    assert not signed_in(client)
    assert password_step(client, "ops").status_code == 429  # and the password step too

    failed = events(AuditEvent.Action.SECOND_FACTOR_FAILED)
    assert [event.details.get("locked_out", False) for event in failed] == [False] * 5 + [True]
    assert failed[-1].summary == "Authenticator code refused for 'ops': locked out after too many failed sign-ins"
    [lockout] = events(AuditEvent.Action.LOCKED_OUT)
    assert lockout.details == {"failures": 5, "lockout_minutes": 15}
    assert not events(AuditEvent.Action.LOGIN)


def test_wrong_passwords_and_wrong_codes_count_together(ops, clock):
    client = Client(REMOTE_ADDR=HOME)
    for _ in range(2):
        password_step(client, "ops", "not-the-password")
    password_step(client, "ops")
    assert [answer.status_code for answer in type_wrong_codes(client, ops, clock, 3)] == [200, 200, 429]
    assert len(events(AuditEvent.Action.LOGIN_FAILED)) == 2 and len(events(AuditEvent.Action.SECOND_FACTOR_FAILED)) == 3


def test_the_right_password_again_does_not_clear_wrong_codes(ops, clock):
    client = Client(REMOTE_ADDR=HOME)
    for _ in range(4):
        password_step(client, "ops")
        type_wrong_codes(client, ops, clock, 1)
    password_step(client, "ops")
    assert code_step(client, wrong_code_for(ops)).status_code == 429


def test_a_completed_sign_in_clears_earlier_failures(ops, clock):
    client = Client(REMOTE_ADDR=HOME)
    password_step(client, "ops")
    type_wrong_codes(client, ops, clock, 4)
    assert code_step(client, authenticator_code(authenticator_of(ops))).status_code == 302
    assert failures_counted("ops") == 0


def test_the_lockout_at_the_code_step_is_for_that_address(ops, clock):
    client = Client(REMOTE_ADDR=HOME)
    password_step(client, "ops")
    type_wrong_codes(client, ops, clock, 5)
    assert sign_in_with_code(Client(REMOTE_ADDR="198.51.100.20"), ops).status_code == 302


# Enrolment on first sign-in.


def test_someone_without_an_authenticator_enrols_on_first_sign_in(staff, clock):
    client = Client(REMOTE_ADDR=HOME)
    response = password_step(client, "lead")
    assert client.get(response["Location"])["Location"] == f"{ENROL_URL}?next=%2F"

    page = client.get(ENROL_URL).content.decode()
    assert "<svg" in page and "<title>QR code of the key for lead</title>" in page
    assert "data:" not in page  # drawn in the page: nothing for the content security policy to allow
    key = enrolment_key(page)
    assert enrolment_key(client.get(ENROL_URL).content.decode()) == key  # a scanned QR code stays good
    [waiting] = TOTPDevice.objects.filter(user=staff["lead"])
    assert not waiting.confirmed and waiting.bin_key == key

    wrong = code_step_on_enrolment(client, wrong_code_for_key(key))
    assert WRONG_CODE[AUTHENTICATOR_CODE] in wrong.content.decode()
    waiting.refresh_from_db()
    assert not waiting.confirmed and not signed_in(client)
    assert len(events(AuditEvent.Action.SECOND_FACTOR_FAILED)) == 1

    clock.shift(A_LITTLE_LATER)
    confirmed = code_step_on_enrolment(client, code_from_key(key))
    assert confirmed.status_code == 302 and confirmed["Location"] == f"{RECOVERY_CODES_URL}?next=%2F"
    waiting.refresh_from_db()
    assert waiting.confirmed

    shown = client.get(confirmed["Location"])
    recovery_codes = re.findall(r"<li>([a-z2-7]{8})</li>", shown.content.decode())
    assert len(recovery_codes) == RECOVERY_CODE_COUNT
    assert sorted(recovery_codes) == sorted(StaticToken.objects.filter(device__user=staff["lead"])
                                            .values_list("token", flat=True))
    assert "no-store" in shown["Cache-Control"]
    assert client.get(RECOVERY_CODES_URL).status_code == 302  # shown once
    assert signed_in(client)

    [enrolled] = events(AuditEvent.Action.SECOND_FACTOR_ENROLLED)
    assert (enrolled.actor, enrolled.object_id, enrolled.details) == (staff["lead"], str(staff["lead"].pk),
                                                                     {"recovery_codes": 10})
    assert len(events(AuditEvent.Action.LOGIN)) == 1


def test_the_enrolment_page_is_made_for_the_keyboard(staff):
    client = Client()
    password_step(client, "lead")
    [code_input] = re.findall(r'<input[^>]*name="code"[^>]*>', client.get(ENROL_URL).content.decode())
    for attribute in ('autocomplete="one-time-code"', 'inputmode="numeric"', "autofocus"):
        assert attribute in code_input


def test_a_person_with_an_authenticator_cannot_enrol_another_with_the_password_alone(ops):
    client = Client()
    password_step(client, "ops")
    response = client.get(ENROL_URL)
    assert response.status_code == 302 and response["Location"].startswith(CODE_STEP_URL)
    assert TOTPDevice.objects.filter(user=ops).count() == 1
    assert code_step_on_enrolment(client, "123456").status_code == 302
    assert not signed_in(client)


def test_enrolment_confirmed_with_wrong_codes_locks_out_too(staff, clock):
    client = Client(REMOTE_ADDR=HOME)
    password_step(client, "lead")
    key = enrolment_key(client.get(ENROL_URL).content.decode())
    answers = []
    for _ in range(5):
        answers.append(code_step_on_enrolment(client, wrong_code_for_key(key)))
        clock.shift(A_LITTLE_LATER)
    assert answers[-1].status_code == 429
    assert code_step_on_enrolment(client, code_from_key(key)).status_code == 429
    assert not TOTPDevice.objects.filter(user=staff["lead"], confirmed=True).exists()


# Recovery codes.


def test_a_recovery_code_signs_in_once(ops, clock):
    first, *others = recovery_codes_issue(person=ops)
    client = Client(REMOTE_ADDR=HOME)
    password_step(client, "ops")
    response = recovery_code_step(client, f" {first[:4].upper()}-{first[4:]} ")  # as a person may type it
    assert response.status_code == 302 and signed_in(client)
    [used] = events(AuditEvent.Action.RECOVERY_CODE_USED)
    assert (used.actor, used.details) == (ops, {"remaining": RECOVERY_CODE_COUNT - 1})
    assert used.summary == "Signed in with a recovery code; 9 left"
    assert events(AuditEvent.Action.LOGIN)[-1].details == {"second_factor": "Recovery codes"}

    clock.shift(A_LITTLE_LATER)
    again = Client(REMOTE_ADDR=HOME)
    password_step(again, "ops")
    refused = recovery_code_step(again, first)
    assert WRONG_CODE[RECOVERY_CODE] in refused.content.decode() and not signed_in(again)
    [failed] = events(AuditEvent.Action.SECOND_FACTOR_FAILED)
    assert failed.summary == "Wrong recovery code for 'ops'"
    clock.shift(A_LITTLE_LATER)
    assert recovery_code_step(again, others[0]).status_code == 302


# Every console page needs the second factor.


def console_pages() -> list[str]:
    lists = [reverse(admin_urlname(model._meta, "changelist")) for model in registered_models()]
    return [DASHBOARD_URL, "/search/?q=x", reverse("support-standup"), reverse("support-triage"),
            reverse("audit-review"), *lists]


def test_a_session_without_the_second_factor_opens_no_console_page(staff):
    unverified = Client()
    unverified.force_login(staff["root"])
    answers = {url: unverified.get(url) for url in console_pages()}
    assert {url: answer.status_code for url, answer in answers.items() if answer.status_code != 302} == {}
    assert all(answer["Location"].startswith(LOGIN_URL) for answer in answers.values())

    verified = sign_in_verified(Client(), staff["root"])
    assert verified.get(DASHBOARD_URL).status_code == 200


def test_a_session_whose_authenticator_is_gone_is_verified_no_longer(ops):
    client = sign_in_verified(Client(), ops)
    assert signed_in(client)
    TOTPDevice.objects.filter(user=ops).delete()
    assert not signed_in(client)
