"""Builds consistent demo records: every item walks its real state path, every charge, fee,
disbursement and batch entry leaves the ledger lines and history it would in production."""

import datetime
import random
from itertools import count

from django.utils import timezone

from accounts.models import BankAccount, CardAccount, Customer, PayoutHold, Platform
from batches.models import Batch, BatchEntry, Direction, Network
from opsconsole.business_calendar import calendar_for
from payments.models import (
    Callback,
    CallbackDelivery,
    Charge,
    Disbursement,
    Fee,
    Item,
    ItemFee,
    ItemState,
    ItemStateChange,
    Payer,
    PaymentMethod,
    Transaction,
)

FIRST_NAMES = [
    "Olivia", "Noah", "Charlotte", "Oliver", "Amelia", "Jack", "Isla", "William", "Mia", "Leo",
    "Ava", "Henry", "Grace", "Lucas", "Chloe", "Thomas", "Zoe", "James", "Ruby", "Ethan",
]
LAST_NAMES = [
    "Nguyen", "Smith", "Patel", "Williams", "Brown", "Kowalski", "Garcia", "Chen", "Murphy", "Singh",
    "Taylor", "Rossi", "Kim", "Okafor", "Martin", "Haddad", "Walsh", "Lopez", "Ito", "Fraser",
]
ITEM_NAMES = [
    "Kitchen renovation", "Logo design", "Used road bike", "Bathroom tiling", "Wedding photography",
    "Vintage armchair", "Garden landscaping", "Website build", "Piano lessons (10)", "Moving van hire",
]

# The path an item walks to reach each state, with what caused each step.
STATE_PATHS = {
    ItemState.PENDING: [],
    ItemState.PAYMENT_REQUIRED: [
        (ItemState.PAYMENT_REQUIRED, "Buyer accepted the item (API: PATCH /items/:id/accept)"),
    ],
    ItemState.PAYMENT_PENDING: [
        (ItemState.PAYMENT_REQUIRED, "Buyer accepted the item (API: PATCH /items/:id/accept)"),
        (ItemState.PAYMENT_PENDING, "Payment submitted (API: PATCH /items/:id/make_payment)"),
    ],
}
STATE_PATHS[ItemState.PAYMENT_DEPOSITED] = STATE_PATHS[ItemState.PAYMENT_PENDING] + [
    (ItemState.PAYMENT_DEPOSITED, "Funds received into escrow"),
]
STATE_PATHS[ItemState.PAYMENT_HELD] = STATE_PATHS[ItemState.PAYMENT_PENDING] + [
    (ItemState.PAYMENT_HELD, "Held for risk review: rule high_value_new_buyer"),
]
STATE_PATHS[ItemState.WORK_COMPLETED] = STATE_PATHS[ItemState.PAYMENT_DEPOSITED] + [
    (ItemState.WORK_COMPLETED, "Seller marked the work complete (API: PATCH /items/:id/request_release)"),
]
STATE_PATHS[ItemState.COMPLETED] = STATE_PATHS[ItemState.WORK_COMPLETED] + [
    (ItemState.COMPLETED, "Buyer released the payment (API: PATCH /items/:id/release_payment)"),
]
STATE_PATHS[ItemState.PROBLEM_FLAGGED] = STATE_PATHS[ItemState.PAYMENT_DEPOSITED] + [
    (ItemState.PROBLEM_FLAGGED, "Buyer raised a dispute (API: PATCH /items/:id/raise_dispute)"),
]
STATE_PATHS[ItemState.REFUNDED] = STATE_PATHS[ItemState.PAYMENT_DEPOSITED] + [
    (ItemState.REFUNDED, "Seller refunded the buyer (API: PATCH /items/:id/refund)"),
]
STATE_PATHS[ItemState.CANCELLED] = [(ItemState.CANCELLED, "Platform cancelled the item (API: PATCH /items/:id/cancel)")]


class DemoBuilder:
    """Creates demo records from one random generator, so a seed gives the same data every time.

    `today` is the business day the demo is anchored to; all times are relative to it.
    """

    def __init__(self, *, seed: int, today: datetime.date, now: datetime.datetime | None = None):
        self.rng = random.Random(seed)
        self.today = today
        self.serial = count(1)
        self.now = now or datetime.datetime.combine(today, datetime.time(9, 30), tzinfo=datetime.UTC)

    def ago(self, **delta) -> datetime.datetime:
        return self.now - datetime.timedelta(**delta)

    def next_serial(self) -> int:
        return next(self.serial)

    # Customers and their accounts ------------------------------------------------------------

    def platform(self, *, client_id, name, environment, callback_url="", features=()) -> Platform:
        return Platform.objects.create(
            client_id=client_id, name=name, environment=environment, callback_url=callback_url,
            callbacks_enabled=bool(callback_url), features=list(features), created_at=self.ago(days=400),
        )

    def customer(self, *, platform, kind, first_name=None, last_name=None, email=None,
                 kyc_state=Customer.KycState.APPROVED, country="AU") -> Customer:
        serial = self.next_serial()
        first_name = first_name or self.rng.choice(FIRST_NAMES)
        last_name = last_name or self.rng.choice(LAST_NAMES)
        email = email or f"{first_name}.{last_name}.{serial}@{kind}s.example.com".lower()
        return Customer.objects.create(
            platform=platform, external_id=f"{platform.client_id[:3]}-usr-{serial:06d}", kind=kind,
            email=email, first_name=first_name, last_name=last_name, country=country, kyc_state=kyc_state,
            created_at=self.ago(days=self.rng.randint(30, 300)),
        )

    def bank_account(self, *, customer, status=BankAccount.Status.VERIFIED, account_number=None) -> BankAccount:
        is_us = customer.country == "US"
        account_number = account_number or str(self.rng.randint(10**7, 10**9 - 1))
        return BankAccount.objects.create(
            customer=customer, holder_name=customer.full_name,
            bank_name="First Harbor Bank" if is_us else "Commonwealth Savings",
            routing_number="021000021" if is_us else "062000", account_number=account_number,
            country=customer.country, currency="USD" if is_us else "AUD", status=status,
            verified_at=self.ago(days=20) if status == BankAccount.Status.VERIFIED else None,
            created_at=self.ago(days=25),
        )

    def card(self, *, customer, brand=CardAccount.Brand.VISA, last_four=None) -> CardAccount:
        serial = self.next_serial()
        return CardAccount.objects.create(
            customer=customer, brand=brand, last_four=last_four or f"{self.rng.randint(0, 9999):04d}",
            expiry_month=self.rng.randint(1, 12), expiry_year=self.today.year + self.rng.randint(1, 4),
            fingerprint=f"fp_{serial:08x}{self.rng.getrandbits(32):08x}", holder_name=customer.full_name,
            created_at=self.ago(days=40),
        )

    def payout_hold(self, *, customer, reason, placed_by) -> PayoutHold:
        return PayoutHold.objects.create(customer=customer, reason=reason, placed_by=placed_by,
                                         placed_at=self.ago(days=3))

    # Items and the money that moves for them ---------------------------------------------------

    def item(self, *, platform, buyer, seller, state, method=PaymentMethod.CARD, amount=None,
             external_id=None, created_at=None, name=None) -> Item:
        created_at = created_at or self.ago(days=self.rng.randint(2, 60), hours=self.rng.randint(0, 20))
        path = STATE_PATHS[state]
        step = datetime.timedelta(hours=self.rng.randint(2, 30))
        # Every step happened before now, however recently the item was created.
        step = min(step, (self.now - created_at) / (len(path) + 1))
        currency = "USD" if seller.country == "US" else "AUD"
        item = Item.objects.create(
            platform=platform, external_id=external_id or f"itm-{self.next_serial():07d}",
            name=name or self.rng.choice(ITEM_NAMES), buyer=buyer, seller=seller,
            amount=amount or self.rng.randint(20, 4000) * 100, currency=currency, payment_method=method,
            state=state, state_changed_at=created_at + step * len(path), created_at=created_at,
        )
        ItemStateChange.objects.create(item=item, from_state="", to_state=ItemState.PENDING, changed_at=created_at,
                                       cause="Item created (API: POST /items)")
        previous = ItemState.PENDING
        for position, (to_state, cause) in enumerate(path, start=1):
            ItemStateChange.objects.create(item=item, from_state=previous, to_state=to_state,
                                           changed_at=created_at + step * position, cause=cause)
            previous = to_state
        return item

    def add_fee(self, *, item, fee: Fee) -> ItemFee:
        amount = fee.fixed_amount if fee.kind == Fee.Kind.FIXED else item.amount * fee.basis_points // 10_000
        if fee.cap_amount is not None:
            amount = min(amount, fee.cap_amount)
        item_fee = ItemFee.objects.create(item=item, fee=fee, payer=fee.payer, amount=amount,
                                          currency=item.currency, created_at=item.created_at)
        if fee.payer == Payer.SELLER:
            item.seller_fee_amount += amount
        else:
            item.buyer_fee_amount += amount
        item.save(update_fields=["seller_fee_amount", "buyer_fee_amount"])
        return item_fee

    def charge(self, *, item, status, card=None, bank_account=None, response_code="", decline_source="",
               risk_rule="", error_message="", created_at=None) -> Charge:
        created_at = created_at or item.created_at + datetime.timedelta(hours=1)
        charge = Charge.objects.create(
            item=item, payer=item.buyer, method=PaymentMethod.DIRECT_DEBIT if bank_account else PaymentMethod.CARD,
            card_account=card, bank_account=bank_account, amount=item.buyer_total, currency=item.currency,
            status=status, gateway_reference=f"ch_{self.next_serial():08d}{self.rng.getrandbits(24):06x}",
            response_code=response_code, decline_source=decline_source, risk_rule=risk_rule,
            error_message=error_message, created_at=created_at, updated_at=created_at + datetime.timedelta(seconds=3),
        )
        if status == Charge.Status.SUCCEEDED:
            self.ledger(customer=item.buyer, item=item, charge=charge, kind=Transaction.Kind.PAYMENT,
                        amount=charge.amount, at=charge.updated_at)
        return charge

    def ledger(self, *, customer, kind, amount, at, item=None, charge=None, disbursement=None,
               description="") -> Transaction:
        return Transaction.objects.create(
            customer=customer, item=item, charge=charge, disbursement=disbursement, kind=kind, amount=amount,
            currency=(item or charge or disbursement).currency, reference=f"txn_{self.next_serial():09d}",
            description=description, created_at=at,
        )

    def disbursement(self, *, item, status, bank_account=None, failure_reason="", created_at=None) -> Disbursement:
        created_at = created_at or item.state_changed_at + datetime.timedelta(minutes=5)
        disbursement = Disbursement.objects.create(
            seller=item.seller, item=item, bank_account=bank_account, amount=item.seller_net, currency=item.currency,
            status=status, reference=f"D-{self.next_serial():07d}", failure_reason=failure_reason,
            created_at=created_at,
            paid_at=created_at + datetime.timedelta(days=1) if status == Disbursement.Status.PAID else None,
        )
        if item.seller_fee_amount:
            self.ledger(customer=item.seller, item=item, kind=Transaction.Kind.FEE, amount=-item.seller_fee_amount,
                        at=created_at, description="Seller fees")
        if status in (Disbursement.Status.BATCHED, Disbursement.Status.PAID, Disbursement.Status.RETURNED):
            self.ledger(customer=item.seller, item=item, disbursement=disbursement, kind=Transaction.Kind.DISBURSEMENT,
                        amount=-disbursement.amount, at=created_at)
        return disbursement

    # Batches ----------------------------------------------------------------------------------

    def batch(self, *, reference, network, direction, processing_date, status, submitted_at=None,
              acknowledged_at=None, settled_at=None, failure_reason="") -> Batch:
        calendar = calendar_for(network)
        return Batch.objects.create(
            reference=reference, network=network, direction=direction,
            currency="USD" if network == Network.ACH else "AUD", status=status, processing_date=processing_date,
            cutoff_at=calendar.cutoff_on(processing_date), submitted_at=submitted_at, acknowledged_at=acknowledged_at,
            settled_at=settled_at, failure_reason=failure_reason,
            created_at=calendar.cutoff_on(processing_date) - datetime.timedelta(hours=8),
        )

    def batch_entry(self, *, batch, bank_account, status, charge=None, disbursement=None, return_code="",
                    validation_error="") -> BatchEntry:
        money = charge or disbursement
        entry = BatchEntry.objects.create(
            batch=batch, direction=Direction.DEBIT if charge else Direction.CREDIT, customer=bank_account.customer,
            bank_account=bank_account, charge=charge, disbursement=disbursement, amount=money.amount,
            currency=money.currency, status=status, trace_number=f"{batch.reference}-{self.next_serial():07d}",
            return_code=return_code, validation_error=validation_error,
            returned_at=(batch.settled_at or batch.cutoff_at) + datetime.timedelta(days=1) if return_code else None,
            created_at=batch.created_at,
        )
        batch.entry_count += 1
        batch.total_amount += entry.amount
        batch.save(update_fields=["entry_count", "total_amount"])
        return entry

    # Callbacks ---------------------------------------------------------------------------------

    def callback(self, *, platform, item, event_type, status, response_statuses, error="") -> Callback:
        created_at = item.state_changed_at
        callback = Callback.objects.create(
            platform=platform, item=item, event_type=event_type, status=status, created_at=created_at,
            payload={"event": event_type, "item": {"id": item.external_id, "state": item.state}},
        )
        for attempt, response_status in enumerate(response_statuses, start=1):
            CallbackDelivery.objects.create(
                callback=callback, attempt=attempt, url=platform.callback_url,
                attempted_at=created_at + datetime.timedelta(minutes=5 * 2 ** attempt),
                response_status=response_status, response_ms=self.rng.randint(40, 900) if response_status else None,
                error=error if response_status is None or response_status >= 500 else "",
            )
        return callback


def demo_today() -> datetime.date:
    return timezone.localdate()
