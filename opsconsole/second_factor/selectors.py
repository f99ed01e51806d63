"""Reads of a person's second factor: their authenticator app and their recovery codes."""

from django.contrib.auth.models import User
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_authenticator(*, person: User) -> TOTPDevice | None:
    """The authenticator app `person` signs in with; None until they have enrolled one."""
    return TOTPDevice.objects.devices_for_user(person, confirmed=True).order_by("id").first()


def unconfirmed_authenticator(*, person: User) -> TOTPDevice | None:
    """The authenticator `person` is enrolling: made, shown to them, not yet confirmed with a code."""
    return TOTPDevice.objects.devices_for_user(person, confirmed=False).order_by("-id").first()


def recovery_codes_device(*, person: User) -> StaticDevice | None:
    return StaticDevice.objects.devices_for_user(person, confirmed=True).order_by("id").first()


def recovery_codes_remaining(*, person: User) -> int:
    device = recovery_codes_device(person=person)
    return device.token_set.count() if device is not None else 0
