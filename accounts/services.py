from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.masking import may_reveal_account_number
from accounts.models import BankAccount, Customer, PayoutHold
from audit.models import AuditEvent
from audit.services.recording import record_event
from opsconsole.errors import OpsError

REVEAL_REASON_MIN_LENGTH = 10
REVEAL_REASON_TOO_SHORT = (
    f"Give a reason of at least {REVEAL_REASON_MIN_LENGTH} characters: it is kept in the audit trail."
)
REVEAL_NOT_ALLOWED = "You do not have permission to reveal bank account numbers."
REVEALED = "Revealed the full account number"
REVEAL_REFUSED = "Refused to reveal the full account number: no permission"


def customer_change_email(*, customer: Customer, new_email: str) -> Customer:
    """Set the email; the old one stays in the customer's history."""
    customer.email = new_email
    customer.save(update_fields=["email"])
    return customer


def payout_hold_place(*, seller: Customer, reason: str, placed_by) -> PayoutHold:
    return PayoutHold.objects.create(customer=seller, reason=reason, placed_by=placed_by, placed_at=timezone.now())


def payout_hold_release(*, hold: PayoutHold, released_by, release_reason: str) -> PayoutHold:
    hold.released_by, hold.released_at, hold.release_reason = released_by, timezone.now(), release_reason
    hold.save(update_fields=["released_by", "released_at", "release_reason"])
    return hold


def bank_account_reveal_number(*, bank_account: BankAccount, reason: str, by, request=None) -> str:
    """The full account number, for a person allowed to see it who says why; the reveal, or
    the refusal for want of permission, is recorded in the audit trail (the reason with it,
    never the number). A missing or short reason is refused with nothing recorded."""
    reason = reason.strip()
    if not may_reveal_account_number(by):
        _record_reveal(AuditEvent.Outcome.FAILURE, REVEAL_REFUSED, bank_account=bank_account, reason=reason,
                       by=by, request=request)
        raise OpsError(REVEAL_NOT_ALLOWED)
    if len(reason) < REVEAL_REASON_MIN_LENGTH:
        raise OpsError(REVEAL_REASON_TOO_SHORT, field="reason")
    _record_reveal(AuditEvent.Outcome.SUCCESS, REVEALED, bank_account=bank_account, reason=reason, by=by,
                   request=request)
    return bank_account.account_number


def bank_account_reveal_refused(*, bank_account_id, reason: str, by, request=None) -> None:
    """Record an attempt to reveal the number of the bank account `bank_account_id` by a person
    who may not even see bank accounts: the id as they asked for it, whether or not it exists."""
    record_event(AuditEvent.Action.REVEAL, outcome=AuditEvent.Outcome.FAILURE, actor=by, request=request,
                 object_type=ContentType.objects.get_for_model(BankAccount), object_id=str(bank_account_id)[:64],
                 summary=REVEAL_REFUSED, details={"field": "account_number", "reason": reason.strip()})


def _record_reveal(outcome: str, summary: str, *, bank_account: BankAccount, reason: str, by, request) -> None:
    record_event(AuditEvent.Action.REVEAL, outcome=outcome, actor=by, request=request, target=bank_account,
                 summary=summary, details={"field": "account_number", "reason": reason})
