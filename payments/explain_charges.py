"""Verdicts on card and direct-debit attempts, shared by the charge and item explanations."""

from opsconsole.explaining.base import Evidence, Verdict
from opsconsole.reference_codes import card_response
from payments.models import Charge

# What the gateway's retry advice means for whether trying again can succeed.
RETRY_CAN_HELP = {
    "try_again_later": True,
    "confirm_card_data": True,
    "try_again_with_authentication": True,
    "do_not_try_again": False,
}
GENERIC_DECLINE = "Your bank declined the payment. Please use another card or contact your bank."


def charge_evidence(charge: Charge) -> list[Evidence]:
    evidence = [Evidence("Charge", charge.gateway_reference, charge), Evidence("Status", charge.get_status_display())]
    if charge.card_account_id:
        evidence.append(Evidence("Card", str(charge.card_account), charge.card_account))
    if charge.response_code:
        evidence.append(Evidence("Gateway response code", charge.response_code))
    return evidence


def charge_declined_verdict(charge: Charge) -> Verdict:
    evidence = charge_evidence(charge)
    if charge.decline_source == Charge.DeclineSource.RISK:
        return Verdict(
            "charge.declined.risk_rule",
            f"We declined this payment ourselves: our risk rule {charge.risk_rule!r} stopped it before it reached "
            "the card issuer.",
            "The buyer can pay with another card or method; ops cannot override a risk decline.",
            [*evidence, Evidence("Risk rule", charge.risk_rule)], retry_can_help=False,
            tell_the_customer="The payment could not be accepted. Please try another card or payment method.",
        )
    if charge.decline_source == Charge.DeclineSource.INVALID_REQUEST or charge.status == Charge.Status.FAILED:
        return Verdict(
            "charge.failed.invalid_request",
            f"The platform's payment request was invalid: {charge.error_message or 'no detail recorded'}. "
            "The card was never charged.",
            "The platform's developers must fix the request; retrying the same request fails the same way.",
            [*evidence, Evidence("Error", charge.error_message)], retry_can_help=False,
            tell_the_customer="The payment could not be processed; please try again later.",
        )
    response = card_response(charge.response_code)
    if response is None:
        return Verdict(
            "charge.declined.unknown_code",
            f"The card issuer declined the payment with code {charge.response_code or '(none)'}, which is not in our "
            "response code table.",
            "Ask the buyer to contact their bank or use another card.", evidence,
            tell_the_customer=GENERIC_DECLINE,
        )
    hidden = response.shown_to_buyer_as == "generic_decline"
    summary = f"The card was declined by the issuer: {response.label} (code {response.code}). {response.meaning}"
    if hidden:
        summary += " For the cardholder's safety this reason is never shown to them: they see a generic decline."
    return Verdict(
        f"charge.declined.{response.name}", summary,
        response.tell_the_buyer or "Ask the buyer to use another card.",
        [*evidence, Evidence("Shown to the buyer as", response.shown_to_buyer_as.replace("_", " "))],
        retry_can_help=RETRY_CAN_HELP.get(response.retry_advice),
        tell_the_customer=GENERIC_DECLINE if hidden else response.tell_the_buyer,
    )
