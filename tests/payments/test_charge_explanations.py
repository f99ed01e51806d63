"""Why was the card declined? One test per cause, with what to tell the buyer and whether a retry helps."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import Charge
from tests.factories import make_charge
from tests.opsconsole.explain_helpers import evidence_text, verdict_of

pytestmark = pytest.mark.django_db


def declined(code="", source=Charge.DeclineSource.ISSUER, **fields):
    return make_charge(status=Charge.Status.DECLINED, response_code=code, decline_source=source, **fields)


@pytest.mark.parametrize("code, name, retry", [
    ("51", "insufficient_funds", True),
    ("54", "expired_card", True),
    ("N7", "incorrect_cvc", True),
    ("65", "exceeds_frequency_limit", True),
    ("1A", "authentication_required", True),
    ("91", "issuer_unavailable", True),
    ("57", "not_permitted_to_cardholder", False),
])
def test_issuer_declines_say_why_and_whether_to_retry(code, name, retry):
    verdict = verdict_of(declined(code))
    assert verdict.code == f"charge.declined.{name}"
    assert f"(code {code})" in verdict.summary
    assert verdict.retry_can_help is retry
    assert verdict.tell_the_customer and "generic" not in verdict.summary


@pytest.mark.parametrize("code, retry", [("41", False), ("43", False), ("59", False), ("04", False), ("05", True)])
def test_lost_stolen_fraud_and_do_not_honour_reach_the_buyer_only_as_a_generic_decline(code, retry):
    verdict = verdict_of(declined(code))
    assert verdict.retry_can_help is retry
    assert "never shown to them" in verdict.summary
    assert verdict.tell_the_customer == "Your bank declined the payment. Please use another card or contact your bank."


def test_declined_by_our_risk_rules():
    verdict = verdict_of(declined(source=Charge.DeclineSource.RISK, risk_rule="new_card_high_amount"))
    assert verdict.code == "charge.declined.risk_rule" and verdict.retry_can_help is False
    assert "Risk rule: new_card_high_amount" in evidence_text(verdict)


def test_an_invalid_request():
    charge = make_charge(status=Charge.Status.FAILED, decline_source=Charge.DeclineSource.INVALID_REQUEST,
                         response_code="", error_message="Currency USD does not match the item's currency AUD")
    verdict = verdict_of(charge)
    assert verdict.code == "charge.failed.invalid_request" and "Currency USD" in verdict.summary


def test_an_unknown_code_still_answers():
    assert verdict_of(declined("Q9")).code == "charge.declined.unknown_code"


def test_three_ds_pending_authorisation_and_success():
    minutes_ago = timezone.now() - timedelta(minutes=5)
    assert verdict_of(make_charge(status=Charge.Status.REQUIRES_ACTION, response_code="1A",
                                  created_at=minutes_ago)).code == "charge.three_ds_incomplete"
    assert verdict_of(make_charge(status=Charge.Status.PENDING, response_code="",
                                  created_at=minutes_ago)).code == "charge.authorisation_pending"
    assert verdict_of(make_charge()).code == "charge.succeeded"


def test_an_authorisation_pending_for_two_days_is_overdue_and_not_guessed_at():
    verdict = verdict_of(make_charge(status=Charge.Status.PENDING, response_code=""))
    assert verdict.code == "charge.authorisation_overdue" and verdict.summary.startswith("Overdue by 1 day 23 hours")
    assert "Nothing here tells why" in verdict.summary and "Escalate to the gateway" in verdict.next_step
    three_ds = verdict_of(make_charge(status=Charge.Status.REQUIRES_ACTION, response_code="1A"))
    assert three_ds.code == "charge.three_ds_overdue" and "pay again" in three_ds.next_step
