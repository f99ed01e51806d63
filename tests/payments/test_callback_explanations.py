"""Why did the platform not receive the callback? Every cause, with attempts as evidence."""

import pytest

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
    assert verdict_of(callback_with([401], error="")).code == "callback.endpoint_rejecting"


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
