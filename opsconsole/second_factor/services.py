"""Writes of the second factor: enrolling an authenticator app, checking a code at sign-in,
issuing recovery codes, and a superuser's reset. Each change is recorded on the audit trail;
wrong codes are reported to the lockout (lockout.py), which records them."""

import math
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user, verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services.recording import record_event
from opsconsole.errors import OpsError
from opsconsole.second_factor.lockout import AUTHENTICATOR_CODE, RECOVERY_CODE, wrong_code_report
from opsconsole.second_factor.selectors import confirmed_authenticator, recovery_codes_device, unconfirmed_authenticator

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
RESET_REASON_MIN_LENGTH = 10

WRONG_CODE = {
    AUTHENTICATOR_CODE: "That is not the code your authenticator app shows. Type the 6 digits it shows now.",
    RECOVERY_CODE: "That is not one of your recovery codes, or it has been used already.",
}
WAIT_FOR_NEXT_CODE = "Too many wrong codes in a row: wait {seconds} second{plural}, then try again."
ALREADY_ENROLLED = ("You have an authenticator app already: sign in with its code. If it is lost, use a recovery "
                    "code, or ask a superuser to reset your second factor.")
RESET_NOT_ALLOWED = "Only a superuser can reset someone's second factor. Nothing was changed."
RESET_REASON_TOO_SHORT = (
    f"Give a reason of at least {RESET_REASON_MIN_LENGTH} characters: it is kept in the audit trail."
)


@dataclass(frozen=True)
class Enrolment:
    authenticator: TOTPDevice
    recovery_codes: list[str]


def authenticator_enrolment_start(*, person: User) -> TOTPDevice:
    """The authenticator `person` is enrolling: the one made earlier if it still waits for its
    first code (so a QR code already scanned stays good), else a new one with a new random key.
    Refused for someone who has one: a second could otherwise be added with the password alone."""
    if confirmed_authenticator(person=person) is not None:
        raise OpsError(ALREADY_ENROLLED)
    return (unconfirmed_authenticator(person=person)
            or TOTPDevice.objects.create(user=person, name=AUTHENTICATOR_NAME, confirmed=False))


def authenticator_enrol(*, request, person: User, code: str) -> Enrolment:
    """Confirm the authenticator `person` is enrolling with a code it shows, and issue their
    recovery codes (returned, to be shown once); recorded as SECOND_FACTOR_ENROLLED. A wrong
    code is refused (OpsError) and counts towards the lockout like one at the code step."""
    authenticator = _verified(request, person, authenticator_enrolment_start(person=person), code,
                              AUTHENTICATOR_CODE)
    with transaction.atomic():
        authenticator.confirmed = True
        authenticator.save(update_fields=["confirmed"])
        TOTPDevice.objects.devices_for_user(person, confirmed=False).delete()
        recovery_codes = recovery_codes_issue(person=person)
        record_event(AuditEvent.Action.SECOND_FACTOR_ENROLLED, actor=person, request=request, target=person,
                     summary=f"Enrolled an authenticator app; {len(recovery_codes)} recovery codes issued",
                     details={"recovery_codes": len(recovery_codes)})
    return Enrolment(authenticator, recovery_codes)


def second_factor_check(*, request, person: User, code: str, second_factor: str) -> Device:
    """The device of `person` that accepts `code`, a code of their authenticator app or one of
    their recovery codes (`second_factor` says which). A recovery code is spent, and its use
    recorded with how many remain. A wrong code is refused (OpsError) and counts towards the
    lockout; a code typed too soon after wrong ones (django-otp's throttle) is refused without
    being checked or counted."""
    if second_factor == RECOVERY_CODE:
        device = recovery_codes_device(person=person)
    else:
        device = confirmed_authenticator(person=person)
    verified = _verified(request, person, device, code, second_factor)
    if second_factor == RECOVERY_CODE:
        remaining = verified.token_set.count()
        record_event(AuditEvent.Action.RECOVERY_CODE_USED, actor=person, request=request, target=person,
                     summary=f"Signed in with a recovery code; {remaining} left", details={"remaining": remaining})
    return verified


def recovery_codes_issue(*, person: User) -> list[str]:
    """`RECOVERY_CODE_COUNT` new single-use recovery codes for `person`, replacing any they had."""
    StaticDevice.objects.devices_for_user(person).delete()
    device = StaticDevice.objects.create(user=person, name=RECOVERY_CODES_NAME, confirmed=True)
    recovery_codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=token) for token in recovery_codes)
    return recovery_codes


def second_factor_reset(*, person: User, by: User, reason: str, request=None, source: str = "") -> int:
    """Remove every second-factor device of `person` (authenticator and recovery codes), so that
    they enrol again at their next sign-in and any session they verified with them is verified no
    longer; recorded as SECOND_FACTOR_RESET with who, whom and why. Only an active superuser may:
    anyone else is refused (OpsError), with the attempt recorded and nothing changed. Returns how
    many devices were removed."""
    reason, username = reason.strip(), person.get_username()
    if not (by.is_active and by.is_superuser):
        record_event(AuditEvent.Action.SECOND_FACTOR_RESET, outcome=AuditEvent.Outcome.FAILURE, actor=by,
                     request=request, source=source, target=person,
                     summary=f"Refused to reset the second factor of {username}: not a superuser",
                     details={"person": username, "reason": reason})
        raise OpsError(RESET_NOT_ALLOWED)
    if len(reason) < RESET_REASON_MIN_LENGTH:
        raise OpsError(RESET_REASON_TOO_SHORT, field="reason")
    with transaction.atomic():
        devices = list(devices_for_user(person, confirmed=None))
        for device in devices:
            device.delete()
        record_event(AuditEvent.Action.SECOND_FACTOR_RESET, actor=by, request=request, source=source, target=person,
                     summary=f"Reset the second factor of {username}: {reason}",
                     details={"person": username, "reason": reason, "devices_removed": len(devices)})
    return len(devices)


def _verified(request, person: User, device: Device | None, code: str, second_factor: str) -> Device:
    if device is not None:
        allowed, throttled = device.verify_is_allowed()
        if not allowed:
            seconds = max(1, math.ceil((throttled["locked_until"] - timezone.now()).total_seconds()))
            raise OpsError(WAIT_FOR_NEXT_CODE.format(seconds=seconds, plural="" if seconds == 1 else "s"))
        verified = verify_token(person, device.persistent_id, code)
        if verified is not None:
            return verified
    wrong_code_report(request, person, second_factor)
    raise OpsError(WRONG_CODE[second_factor])
