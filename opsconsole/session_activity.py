"""The idle timeout of a signed-in session, moved on at most once a minute.

A session ends `SESSION_COOKIE_AGE` (SESSION_IDLE_MINUTES) after its expiry was last moved on.
Moving it on is a write to the session table, and a committed write waits for the disk, which
would cost every page a dozen milliseconds or more. So a page moves it on only when the last move
is more than `SESSION_REFRESH_SECONDS` old; the moment of the last move is kept in the session.

The idle timeout therefore holds to within that interval: a session ends between
SESSION_IDLE_MINUTES minus SESSION_REFRESH_SECONDS and SESSION_IDLE_MINUTES after the person's
last request, never later (docs/decisions/0062-session-writes-at-most-once-a-minute.md).
"""

import time

from django.contrib.auth import SESSION_KEY

# How stale the session's expiry may grow before a page moves it on.
SESSION_REFRESH_SECONDS = 60
# Where the session keeps the moment (Unix seconds) its expiry was last moved on.
REFRESHED_AT_KEY = "_expiry_refreshed_at"


def session_refresh_due(session, *, now: float) -> bool:
    """Whether `session`'s expiry was last moved on more than SESSION_REFRESH_SECONDS before
    `now` (or never, by this middleware)."""
    refreshed_at = session.get(REFRESHED_AT_KEY)
    return refreshed_at is None or now - refreshed_at >= SESSION_REFRESH_SECONDS


def keep_session_alive(session) -> None:
    """Mark a signed-in `session` for saving (which moves its expiry on) when its refresh is
    due, and note the moment whenever it is saved anyway. Sessions without a sign-in are left
    alone, so an anonymous visitor never gets a session row from this."""
    if session.session_key is None or SESSION_KEY not in session:
        return
    now = time.time()
    if session.modified or session_refresh_due(session, now=now):
        session[REFRESHED_AT_KEY] = now


class SessionActivityMiddleware:
    """After SessionMiddleware (and AuthenticationMiddleware): works on the way out, once the
    view has signed the person in or out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None:
            keep_session_alive(session)
        return response
