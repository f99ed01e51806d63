"""Why did the platform not receive the callback? Every cause, with attempts as evidence."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from payments.models import Callback
from tests.factories import make_callback, make_callback_delivery
from tests.opsconsole.explain_helpers import evidence_text, verdict_of

pytestmark = pytest.mark.django_db


def callback_with(statuses, *, status=Callback.Status.FAILING, **delivery_fields):
    callback = make_callback(deliveries=0, status=status)
    for response_status in statuses:
        make_callback_delivery(callback=callback, response_status=response_status, **delivery_fields)
    return callback


def test_endpoint_failing_lists_every_attempt():
    verdict = verdict_of(callback_with([500, 502, 500]))
    assert verdict.code == "callback.endpoint_failing" and "500, 502, 500" in verdict.summary
    assert "Attempt 3: 500 in" in evidence_text(verdict)
    assert verdict.task.slug == "resend-callback"


def test_endpoint_unreachable_and_rejecting():
    assert verdict_of(callback_with([None], error="connection refused")).code == "callback.endpoint_unreachable"
    assert verdict_of(callback_with([401], error="")).code == "callback.endpoint_unauthorised"
    assert verdict_of(callback_with([422], error="")).code == "callback.endpoint_rejecting"


def test_retries_exhausted():
    assert verdict_of(callback_with([500] * 5, status=Callback.Status.ABANDONED)).code == "callback.retries_exhausted"


def test_disabled_delivered_and_queued():
    disabled = callback_with([])
    disabled.platform.callbacks_enabled = False
    disabled.platform.save()
    assert verdict_of(Callback.objects.get(pk=disabled.pk)).code == "callback.disabled"
    delivered = callback_with([500, 200], status=Callback.Status.DELIVERED, error="")
    assert verdict_of(delivered).code == "callback.delivered"
    assert verdict_of(callback_with([], status=Callback.Status.PENDING)).code == "callback.queued"


# Whatever the endpoint answered: the explanation names what that answer means.

ANSWER = st.one_of(
    st.integers(200, 599).filter(lambda status: not 200 <= status < 300).map(lambda status: (status, "")),
    st.tuples(st.none(), st.sampled_from([
        "connection refused", "Name or service not known", "connection reset by peer", "",
        "read timed out after 10 s", "connect timeout", "SSL: CERTIFICATE_VERIFY_FAILED", "TLS handshake failure",
    ])),
)

# What each kind of answer must be read as, and words its explanation may never use.
MEANING = [
    (lambda status, error: status in (404, 410), "endpoint_not_found", "URL is wrong", ("signature", "credentials")),
    (lambda status, error: status in (401, 403), "endpoint_unauthorised", "credentials or signature",
     ("URL is wrong",)),
    (lambda status, error: status == 429, "endpoint_rate_limiting", "limits how often", ("signature",)),
    (lambda status, error: status is not None and 300 <= status < 400, "endpoint_redirecting", "redirect",
     ("signature",)),
    (lambda status, error: status is not None and status >= 500, "endpoint_failing", "server error", ("signature",)),
    (lambda status, error: status is not None and 400 <= status < 500, "endpoint_rejecting", "rejects the callback",
     ("URL is wrong",)),
    (lambda status, error: status is None and ("SSL" in error or "TLS" in error), "endpoint_tls_failing",
     "TLS certificate", ("signature",)),
    (lambda status, error: status is None and "time" in error, "endpoint_timing_out", "does not answer in time",
     ("signature",)),
    (lambda status, error: status is None, "endpoint_unreachable", "cannot be reached", ("signature",)),
]


def meaning_of(status, error):
    return next((code, says, never) for applies, code, says, never in MEANING if applies(status, error))


@pytest.mark.django_db
@hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(ANSWER, min_size=1, max_size=5), abandoned=st.booleans())
def test_a_failed_delivery_is_read_by_what_the_endpoint_answered(answers, abandoned):
    with transaction.atomic():
        callback = make_callback(deliveries=0,
                                 status=Callback.Status.ABANDONED if abandoned else Callback.Status.FAILING)
        for status, error in answers:
            make_callback_delivery(callback=callback, response_status=status, error=error)
        verdict = verdict_of(callback)
        transaction.set_rollback(True)
    status, error = answers[-1]
    code, says, never = meaning_of(status, error)
    assert verdict.code == ("callback.retries_exhausted" if abandoned else f"callback.{code}")
    assert says in verdict.summary and str(status or error or "no response") in verdict.summary
    for words in never:
        assert words not in verdict.summary and words not in verdict.tell_the_customer
    assert "`" not in verdict.tell_the_customer and callback.platform.callback_url in verdict.tell_the_customer
    assert verdict.task.slug == "resend-callback"


@pytest.mark.parametrize(("status", "code"), [
    (404, "endpoint_not_found"), (410, "endpoint_not_found"), (401, "endpoint_unauthorised"),
    (403, "endpoint_unauthorised"), (301, "endpoint_redirecting"), (302, "endpoint_redirecting"),
    (429, "endpoint_rate_limiting"), (400, "endpoint_rejecting"), (422, "endpoint_rejecting"),
    (500, "endpoint_failing"), (503, "endpoint_failing"),
])
def test_each_status_has_its_own_reading_on_the_platform_page_too(status, code):
    callback = callback_with([status])
    verdict = verdict_of(callback.platform, "Is this platform receiving its callbacks?")
    assert verdict.code == f"platform.callbacks.{code}"
    assert str(status) in verdict.summary and str(status) in verdict.tell_the_customer
