"""The code step under django-axes' lockout, as the password step is.

A wrong code is a failed sign-in for that username at that address: it is reported with Django's
`user_login_failed` signal, the way authentication reports a wrong password, so axes counts it
with the password's failures (AXES_FAILURE_LIMIT across both steps) and the audit trail records
it once, as a refused code (audit/signals.py). A person locked out is refused at the code step
before any code is checked, as axes refuses their password. In both cases axes marks the request,
and its middleware answers with the lockout page (opsconsole/signin_lockout.py, 429).
"""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed

from audit.signals import SECOND_FACTOR_CREDENTIAL

AUTHENTICATOR_CODE = "authenticator code"
RECOVERY_CODE = "recovery code"


def sign_in_credentials(person: User, second_factor: str) -> dict:
    """What axes and the audit trail read from a failed code: whose, and which kind of code."""
    return {"username": person.get_username(), SECOND_FACTOR_CREDENTIAL: second_factor}


def code_step_locked_out(request, person: User, second_factor: str) -> bool:
    """Whether `person` is locked out at this request's address. If so the attempt is refused
    the way axes' backend refuses a password during a lockout: the request marked, and reported
    as a failure that axes does not count again and the audit trail records as refused."""
    credentials = sign_in_credentials(person, second_factor)
    if AxesProxyHandler.is_allowed(request, credentials):
        return False
    request.axes_locked_out = True
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return True


def wrong_code_report(request, person: User, second_factor: str) -> None:
    """Count a wrong code as a failed sign-in for `person` at this address; the failure that
    reaches the limit starts the lockout (and axes records it as such)."""
    user_login_failed.send(sender=__name__, credentials=sign_in_credentials(person, second_factor), request=request)
