"""A superuser resets a person's second factor (the user list's action, the person's page, the
command line): their authenticator and recovery codes are removed, their verified session is
verified no longer, they enrol again at the next sign-in, and the reset is on the audit trail
with who, whom and why. Anyone else is refused with a clear message, and nothing changes.

The demo people share one published authenticator key, whose current code a DEBUG-only command
prints."""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from demo.management.commands.demo_second_factor_code import REFUSE_PRODUCTION
from demo.staff import demo_staff_create
from opsconsole.errors import OpsError
from opsconsole.second_factor.services import (
    RESET_NOT_ALLOWED,
    RESET_REASON_TOO_SHORT,
    recovery_codes_issue,
    second_factor_reset,
)
from tests.conftest import authenticator_of, sign_in_verified
from tests.opsconsole.test_second_factor import CODE_STEP_URL, ENROL_URL, code_step, password_step, signed_in

REASON = "Lost her phone; checked her identity on a video call"
USER_LIST = reverse("admin:auth_user_changelist")


@pytest.fixture
def ops_enrolled(staff):
    authenticator_of(staff["ops"])
    recovery_codes_issue(person=staff["ops"])
    return staff["ops"]


def second_factor_devices(person) -> list:
    return list(devices_for_user(person, confirmed=None))


def reset_events(outcome=AuditEvent.Outcome.SUCCESS) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.SECOND_FACTOR_RESET, outcome=outcome))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def reset_action(client: Client, people, **confirmation):
    return client.post(USER_LIST, {"action": "reset_second_factor", "_selected_action": [p.pk for p in people],
                                   **confirmation}, follow=bool(confirmation))


def test_a_superuser_resets_from_the_user_list_in_two_steps(staff, ops_enrolled):
    root = sign_in_verified(Client(), staff["root"])
    ops_session = sign_in_verified(Client(), ops_enrolled)

    asked = reset_action(root, [ops_enrolled])
    assert asked.status_code == 200 and 'id="reset-second-factor-form"' in asked.content.decode()
    assert len(second_factor_devices(ops_enrolled)) == 2 and not reset_events()  # the first POST changes nothing

    done = reset_action(root, [ops_enrolled], reset_confirmed="yes", reason=REASON)
    assert done.redirect_chain[-1][0] == USER_LIST
    assert "Second factor reset for ops: 1 person enrols again at the next sign-in." in messages_of(done)
    assert second_factor_devices(ops_enrolled) == []

    [reset] = reset_events()
    assert (reset.actor, reset.object_id, reset.source) == (staff["root"], str(ops_enrolled.pk), AuditEvent.Source.WEB)
    assert reset.details == {"person": "ops", "reason": REASON, "devices_removed": 2}
    assert reset.summary == f"Reset the second factor of ops: {REASON}"

    assert not signed_in(ops_session)  # the session verified by the removed authenticator
    fresh = Client()
    password_step(fresh, "ops")
    assert fresh.get(CODE_STEP_URL)["Location"].startswith(ENROL_URL)


def test_a_reset_needs_a_reason(staff, ops_enrolled):
    root = sign_in_verified(Client(), staff["root"])
    response = reset_action(root, [ops_enrolled], reset_confirmed="yes", reason="lost")
    assert "Ensure this value has at least 10 characters" in response.content.decode()
    assert len(second_factor_devices(ops_enrolled)) == 2 and not reset_events()
    with pytest.raises(OpsError, match=RESET_REASON_TOO_SHORT):
        second_factor_reset(person=ops_enrolled, by=staff["root"], reason="   lost   ")


def test_a_superuser_resets_from_the_persons_page(staff, ops_enrolled):
    root = sign_in_verified(Client(), staff["root"])
    page = root.get(reverse("admin:auth_user_change", args=[ops_enrolled.pk])).content.decode()
    reset_url = reverse("admin:auth_user_reset_second_factor", args=[ops_enrolled.pk])
    assert reset_url in page

    assert root.get(reset_url).status_code == 200
    done = root.post(reset_url, {"reset_confirmed": "yes", "reason": REASON})
    assert done.status_code == 302 and done["Location"] == reverse("admin:auth_user_change", args=[ops_enrolled.pk])
    assert second_factor_devices(ops_enrolled) == [] and len(reset_events()) == 1


def test_the_user_list_says_who_has_enrolled(staff, ops_enrolled):
    response = sign_in_verified(Client(), staff["root"]).get(USER_LIST)
    rows = {row.username: row.second_factor_enrolled for row in response.context_data["cl"].result_list}
    assert rows["ops"] and not rows["lead"]


@pytest.fixture
def user_manager(staff):
    """Not a superuser, but may see and change staff users: the reset is still refused."""
    person = staff["nobody"]
    person.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    return person


def test_a_staff_member_who_is_not_a_superuser_is_refused_and_nothing_changes(staff, ops_enrolled, user_manager):
    client = sign_in_verified(Client(), user_manager)
    refused = reset_action(client, [ops_enrolled], reset_confirmed="yes", reason=REASON)
    assert RESET_NOT_ALLOWED in messages_of(refused)
    assert len(second_factor_devices(ops_enrolled)) == 2

    page = client.post(reverse("admin:auth_user_reset_second_factor", args=[ops_enrolled.pk]),
                       {"reset_confirmed": "yes", "reason": REASON}, follow=True)
    assert RESET_NOT_ALLOWED in messages_of(page)
    assert len(second_factor_devices(ops_enrolled)) == 2 and not reset_events()

    with pytest.raises(OpsError, match=RESET_NOT_ALLOWED):
        second_factor_reset(person=ops_enrolled, by=user_manager, reason=REASON)
    [refusal] = reset_events(AuditEvent.Outcome.FAILURE)
    assert (refusal.actor, refusal.object_id) == (user_manager, str(ops_enrolled.pk))
    assert len(second_factor_devices(ops_enrolled)) == 2


def test_the_command_resets_as_a_superuser_and_refuses_anyone_else(staff, ops_enrolled):
    with pytest.raises(CommandError, match=RESET_NOT_ALLOWED):
        call_command("reset_second_factor", "ops", "--as", "lead", "--reason", REASON)
    assert len(second_factor_devices(ops_enrolled)) == 2

    out = StringIO()
    call_command("reset_second_factor", "ops", "--as", "root", "--reason", REASON, stdout=out)
    assert "Second factor of ops reset (2 devices removed)" in out.getvalue()
    assert second_factor_devices(ops_enrolled) == []
    [reset] = reset_events()
    assert (reset.actor, reset.source, reset.details["reason"]) == (staff["root"], AuditEvent.Source.CLI, REASON)

    with pytest.raises(CommandError, match="There is no user 'nosuchperson'"):
        call_command("reset_second_factor", "nosuchperson", "--as", "root", "--reason", REASON)


# The demo.


def test_the_demo_people_sign_in_with_the_published_key_and_the_demo_command(db, settings):
    settings.DEBUG = True
    people = demo_staff_create(password="opsconsole-demo-password")
    assert {device.user.username for device in TOTPDevice.objects.filter(confirmed=True)} == set(people)
    assert not StaticDevice.objects.exists()

    out = StringIO()
    call_command("demo_second_factor_code", stdout=out, stderr=StringIO())
    client = Client()
    password_step(client, "ops", "opsconsole-demo-password")
    assert code_step(client, out.getvalue().strip()).status_code == 302
    assert signed_in(client)

    settings.DEBUG = False
    with pytest.raises(CommandError, match=REFUSE_PRODUCTION):
        call_command("demo_second_factor_code")
