"""How long a payment may stay pending, by how it is paid, and from when it is overdue.

Each way of paying has its own expected duration; an answer past it says the payment is overdue,
since when, before anything else. The explanations and the dashboard read the same clocks.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from batches.lateness import batch_settlement_due
from batches.models import Batch
from opsconsole.business_calendar import calendar_for, network_for
from opsconsole.explaining.times import span
from payments.models import Charge, PaymentMethod

# Issuers answer an authorisation in seconds; the gateway retries a silent issuer and reports a
# timeout well within the hour. Pending longer, something between us and the issuer is stuck.
CARD_AUTHORISATION_WITHIN = datetime.timedelta(hours=1)
# The buyer's bank keeps a 3-D Secure challenge open for minutes (EMV 3-D Secure: about ten); a
# verification not completed in half an hour will not be.
THREE_DS_WITHIN = datetime.timedelta(minutes=30)
# A domestic bank transfer arrives within one to two business days (BECS and NPP in Australia,
# ACH in the United States); after two full business days it is overdue.
BANK_TRANSFER_BUSINESS_DAYS = 2


@dataclass(frozen=True)
class PendingClock:
    """A pending payment's clock: what is awaited, since when, and by when it should be over."""

    awaited: str
    since: datetime.datetime
    due: datetime.datetime

    def overdue(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.due

    def overdue_by(self, now: datetime.datetime | None = None) -> str:
        return span((now or timezone.now()) - self.due)


def card_authorisation_clock(*, started_at: datetime.datetime) -> PendingClock:
    return PendingClock("the issuer's answer to the card authorisation", started_at,
                        started_at + CARD_AUTHORISATION_WITHIN)


def three_ds_clock(*, started_at: datetime.datetime) -> PendingClock:
    return PendingClock("the buyer's 3-D Secure verification", started_at, started_at + THREE_DS_WITHIN)


def bank_transfer_clock(*, chosen_at: datetime.datetime, currency: str) -> PendingClock:
    """Due at the end of the second business day after the buyer chose to pay by transfer, in
    the network's own zone."""
    calendar = calendar_for(network_for(currency))
    chosen_day = timezone.localtime(chosen_at, calendar.time_zone).date()
    last_day = calendar.business_days_after(chosen_day, BANK_TRANSFER_BUSINESS_DAYS)
    return PendingClock("the buyer's bank transfer", chosen_at, calendar.end_of(last_day))


def direct_debit_clock(*, started_at: datetime.datetime, batch: Batch) -> PendingClock:
    """Due when its batch is due to settle (batches/lateness.py): the end of the clearing day."""
    return PendingClock("the direct debit's funds to clear", started_at, batch_settlement_due(batch=batch))


def item_pending_clock(*, item, charge, entry) -> PendingClock | None:
    """The clock of an item in payment_pending: of its latest charge (`entry`: that charge's latest
    batch entry, with its batch, for a direct debit), or of the bank transfer the buyer chose when
    there is no charge. None when nothing is pending on a clock (a charge that ended, a direct
    debit not yet in a batch)."""
    if charge is None:
        if item.payment_method == PaymentMethod.BANK_TRANSFER:
            return bank_transfer_clock(chosen_at=item.state_changed_at, currency=item.currency)
        return None
    if charge.status == Charge.Status.REQUIRES_ACTION:
        return three_ds_clock(started_at=charge.created_at)
    if charge.status != Charge.Status.PENDING:
        return None
    if charge.method == PaymentMethod.DIRECT_DEBIT:
        return direct_debit_clock(started_at=charge.created_at, batch=entry.batch) if entry else None
    return card_authorisation_clock(started_at=charge.created_at)
