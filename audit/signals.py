"""Sign-ins, failed sign-ins and sign-outs go on the trail as they happen."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import AuditEvent
from audit.recording import record_event


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs):
    record_event(AuditEvent.Action.LOGIN, actor=user, request=request, summary="Signed in")


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_failed_login(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    record_event(AuditEvent.Action.LOGIN_FAILED, outcome=AuditEvent.Outcome.FAILURE, actor_name=username,
                 request=request, summary=f"Wrong username or password for {username!r}")


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(AuditEvent.Action.LOGOUT, actor=user, request=request, summary="Signed out")
