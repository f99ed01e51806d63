"""A sign-in between its two steps: the password was right, the second factor is still to come.

Until the code step passes the person is not signed in: the session holds only who passed the
password step, with which authentication backend, and when. Django's `login()` runs when the
second factor is confirmed, so everything that listens to `user_logged_in` (the audit trail's
sign-in, django-axes clearing the earlier failures, a new session key) means a complete sign-in,
and a right password alone never clears the code step's failures.
"""

import time

from django.contrib.auth import login as django_login
from django.contrib.auth.models import User

PENDING_SESSION_KEY = "second_factor_pending"
# How long the code step waits after the password: enough to install an authenticator app.
PENDING_SECONDS = 10 * 60


def pending_sign_in_begin(request, person: User) -> None:
    """`person` (authenticated by the password step, so carrying the backend that did it) has
    only the second factor left to give in this session."""
    request.session[PENDING_SESSION_KEY] = {"person": person.pk, "backend": person.backend, "since": time.time()}


def pending_person(request) -> User | None:
    """Who passed the password step in this session, if they did so within `PENDING_SECONDS`
    and may still sign in (an active staff member); else None."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        return None
    person = User.objects.filter(pk=pending["person"], is_active=True, is_staff=True).first()
    if person is not None:
        person.backend = pending["backend"]
    return person


def pending_sign_in_complete(request, person: User, device) -> None:
    """Sign `person` in, verified by `device`: Django's `login()`, with the device on the person,
    which django-otp's own `user_logged_in` receiver keeps in the session (its documented way)."""
    del request.session[PENDING_SESSION_KEY]
    person.otp_device = device
    django_login(request, person, backend=person.backend)
