"""Sign-ins, failed sign-ins (at the password or the code step), lockouts and sign-outs go on the
trail as they happen."""

from axes.helpers import get_cool_off
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import AuditEvent
from audit.services.recording import record_event


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs):
    """Once a sign-in is complete: Django's `login()` runs only after the second factor
    (opsconsole/second_factor/pending.py), with the device that verified it on the person."""
    device = getattr(user, "otp_device", None)
    details = {"second_factor": device.name} if device is not None else None
    record_event(AuditEvent.Action.LOGIN, actor=user, request=request, summary="Signed in", details=details)


def refused_by_lockout(request) -> bool:
    """Whether django-axes refused this sign-in, without checking the password, because the
    username was already locked out at this address. Axes counts (`axes_failures_since_start`)
    only the attempts it let through to the password check."""
    locked_out = bool(getattr(request, "axes_locked_out", False))
    return locked_out and getattr(request, "axes_failures_since_start", None) is None


# In the credentials of a failed sign-in at the code step, which code was refused ("authenticator
# code" or "recovery code", opsconsole/second_factor/lockout.py); a failed password has none. The
# code step sends Django's `user_login_failed`, so that django-axes counts its failures with the
# password's, and the failure is recorded here once, as what it is.
SECOND_FACTOR_CREDENTIAL = "second_factor"


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_failed_login(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    second_factor = credentials.get(SECOND_FACTOR_CREDENTIAL)
    locked_out = refused_by_lockout(request)
    if second_factor:
        action = AuditEvent.Action.SECOND_FACTOR_FAILED
        details = {"second_factor": second_factor, **({"locked_out": True} if locked_out else {})}
        summary = (f"{second_factor.capitalize()} refused for {username!r}: locked out after too many failed "
                   f"sign-ins" if locked_out else f"Wrong {second_factor} for {username!r}")
    elif locked_out:
        action = AuditEvent.Action.LOGIN_FAILED
        summary = f"Sign-in refused for {username!r}: locked out after too many failed sign-ins"
        details = {"locked_out": True}
    else:
        action, summary, details = AuditEvent.Action.LOGIN_FAILED, f"Wrong username or password for {username!r}", None
    record_event(action, outcome=AuditEvent.Outcome.FAILURE, actor_name=username, request=request,
                 summary=summary, details=details)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def record_lockout(sender, request, username, ip_address, **kwargs):
    """Once, when the lockout starts: axes sends this signal again for every attempt it refuses
    during the lockout, and those are already on the trail as failed sign-ins."""
    if refused_by_lockout(request):
        return
    failures, minutes = request.axes_failures_since_start, int(get_cool_off(request).total_seconds() // 60)
    record_event(AuditEvent.Action.LOCKED_OUT, outcome=AuditEvent.Outcome.FAILURE, actor_name=username or "",
                 request=request, ip_address=ip_address,
                 summary=f"{username!r} locked out at this address for {minutes} minutes "
                         f"after {failures} failed sign-ins",
                 details={"failures": failures, "lockout_minutes": minutes})


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(AuditEvent.Action.LOGOUT, actor=user, request=request, summary="Signed out")
