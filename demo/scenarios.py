"""The named demo cases: one real instance of every question ops staff and platforms ask.

Each scenario leaves the data that makes its question true, under a reference the README,
the explanations and the tests can name.
"""

import datetime

from accounts.models import BankAccount, Customer, Platform
from batches.models import Batch, BatchEntry, Direction, Network
from demo.builder import DemoBuilder
from opsconsole.business_calendar import calendar_for
from payments.models import Callback, Charge, Disbursement, Fee, ItemState, Payer, PaymentMethod

LATE_DIRECT_DEBIT_ITEM = "DEMO-LATE-DD"
LATE_BATCH = "B-1042"
HOLIDAY_BATCH = "B-1043"
INVALID_ACCOUNT_BATCH = "B-1044"
STUCK_BATCH = "B-1045"
FAILED_BATCH = "B-1046"
ACCOUNT_CLOSED_BATCH = "B-1041"
SELLER_FEE_ITEM = "DEMO-SELLER-FEE"
THREE_DS_ITEM = "DEMO-3DS-PENDING"
CARD_AUTH_PENDING_ITEM = "DEMO-AUTH-PENDING"
BANK_TRANSFER_ITEM = "DEMO-BANK-TRANSFER"
RISK_HELD_ITEM = "DEMO-RISK-HELD"
UNVERIFIED_SELLER_EMAIL = "noah.fraser@sellers.example.com"
HELD_SELLER_EMAIL = "isla.haddad@sellers.example.com"
FAILING_CALLBACK_PLATFORM = "tradie-hub"

# (item reference, ISO 8583 response code, decline source, risk rule, error message)
CARD_DECLINES = [
    ("DEMO-DECLINE-51", "51", Charge.DeclineSource.ISSUER, "", ""),
    ("DEMO-DECLINE-05", "05", Charge.DeclineSource.ISSUER, "", ""),
    ("DEMO-DECLINE-54", "54", Charge.DeclineSource.ISSUER, "", ""),
    ("DEMO-DECLINE-N7", "N7", Charge.DeclineSource.ISSUER, "", ""),
    ("DEMO-DECLINE-65", "65", Charge.DeclineSource.ISSUER, "", ""),
    ("DEMO-DECLINE-1A", "1A", Charge.DeclineSource.ISSUER, "", ""),
    ("DEMO-DECLINE-91", "91", Charge.DeclineSource.ISSUER, "", ""),
    ("DEMO-DECLINE-43", "43", Charge.DeclineSource.ISSUER, "", ""),
    ("DEMO-DECLINE-RISK", "", Charge.DeclineSource.RISK, "new_card_high_amount", ""),
    ("DEMO-DECLINE-INVALID", "", Charge.DeclineSource.INVALID_REQUEST, "",
     "Currency USD does not match the item's currency AUD"),
]


class DemoWorld:
    """The platforms, fees and staff the scenarios share."""

    def __init__(self, builder: DemoBuilder, staff: dict):
        self.builder = builder
        self.staff = staff
        self.bazaar = builder.platform(
            client_id="bazaar-market", name="Bazaar Market", environment=Platform.Environment.PRODUCTION,
            callback_url="https://hooks.bazaar.example.com/payments",
            features=["cards", "direct_debit", "bank_transfer"],
        )
        self.tradie = builder.platform(
            client_id=FAILING_CALLBACK_PLATFORM, name="Tradie Hub", environment=Platform.Environment.PRODUCTION,
            callback_url="https://api.tradiehub.example.com/webhooks/payments", features=["cards", "direct_debit"],
        )
        self.harbour = builder.platform(
            client_id="harbour-rentals-us", name="Harbour Rentals US", environment=Platform.Environment.PRODUCTION,
            callback_url="https://harbour.example.com/cb", features=["cards", "ach"],
        )
        self.sandbox = builder.platform(
            client_id="sandbox-dev", name="Sandbox Dev Co", environment=Platform.Environment.PRELIVE,
            features=["cards"],
        )
        self.seller_fee = Fee.objects.create(
            platform=self.bazaar, name="Marketplace commission 5%", kind=Fee.Kind.PERCENTAGE, basis_points=500,
            cap_amount=50_000, payer=Payer.SELLER, currency="AUD",
        )
        self.buyer_fee = Fee.objects.create(
            platform=self.bazaar, name="Buyer protection fee", kind=Fee.Kind.FIXED, fixed_amount=250,
            payer=Payer.BUYER, currency="AUD",
        )
        self.becs = calendar_for(Network.BECS)
        self.ach = calendar_for(Network.ACH)

    def pair(self, platform, *, country="AU"):
        """A buyer with a card and a bank account, and a verified seller."""
        buyer = self.builder.customer(platform=platform, kind=Customer.Kind.BUYER, country=country)
        seller = self.builder.customer(platform=platform, kind=Customer.Kind.SELLER, country=country)
        self.builder.bank_account(customer=seller)
        return buyer, seller


def late_direct_debit(world: DemoWorld) -> None:
    """A direct debit that went into a batch submitted at 16:07, after the 16:00 cut-off."""
    b = world.builder
    buyer, seller = world.pair(world.bazaar)
    debit_account = b.bank_account(customer=buyer)
    day = world.becs.previous_business_day(b.today)
    item = b.item(platform=world.bazaar, buyer=buyer, seller=seller, state=ItemState.PAYMENT_PENDING,
                  method=PaymentMethod.DIRECT_DEBIT, amount=185_000, external_id=LATE_DIRECT_DEBIT_ITEM,
                  name="Kitchen renovation deposit", created_at=world.becs.cutoff_on(day) - datetime.timedelta(hours=3))
    charge = b.charge(item=item, status=Charge.Status.PENDING, bank_account=debit_account,
                      created_at=world.becs.cutoff_on(day) - datetime.timedelta(minutes=20))
    cutoff = world.becs.cutoff_on(day)
    # The bank took the file (and acknowledged it), but processes it a business day late.
    batch = b.batch(reference=LATE_BATCH, network=Network.BECS, direction=Direction.DEBIT, processing_date=day,
                    status=Batch.Status.ACKNOWLEDGED, submitted_at=cutoff + datetime.timedelta(minutes=7),
                    acknowledged_at=cutoff + datetime.timedelta(minutes=25))
    b.batch_entry(batch=batch, bank_account=debit_account, charge=charge, status=BatchEntry.Status.SUBMITTED)


def holiday_batch(world: DemoWorld) -> None:
    """Direct debits waiting in a batch whose processing day is a bank holiday."""
    b = world.builder
    holiday = world.becs.next_holiday_on_weekday(b.today)
    batch = b.batch(reference=HOLIDAY_BATCH, network=Network.BECS, direction=Direction.DEBIT,
                    processing_date=holiday, status=Batch.Status.OPEN)
    for _ in range(3):
        buyer, seller = world.pair(world.bazaar)
        account = b.bank_account(customer=buyer)
        item = b.item(platform=world.bazaar, buyer=buyer, seller=seller, state=ItemState.PAYMENT_PENDING,
                      method=PaymentMethod.DIRECT_DEBIT, created_at=b.ago(hours=20))
        charge = b.charge(item=item, status=Charge.Status.PENDING, bank_account=account)
        b.batch_entry(batch=batch, bank_account=account, charge=charge, status=BatchEntry.Status.PENDING)


def _completed_sale(world: DemoWorld, platform, *, country="AU", seller=None, seller_account=None):
    b = world.builder
    buyer = b.customer(platform=platform, kind=Customer.Kind.BUYER, country=country)
    if seller is None:
        seller = b.customer(platform=platform, kind=Customer.Kind.SELLER, country=country)
        seller_account = b.bank_account(customer=seller)
    item = b.item(platform=platform, buyer=buyer, seller=seller, state=ItemState.COMPLETED)
    b.charge(item=item, status=Charge.Status.SUCCEEDED, card=b.card(customer=buyer), response_code="00")
    return item, seller_account


def invalid_account_batch(world: DemoWorld) -> None:
    """An ACH credit batch in which the bank returned entries for invalid account details."""
    b = world.builder
    day = world.ach.previous_business_day(world.ach.previous_business_day(b.today))
    cutoff = world.ach.cutoff_on(day)
    batch = b.batch(reference=INVALID_ACCOUNT_BATCH, network=Network.ACH, direction=Direction.CREDIT,
                    processing_date=day, status=Batch.Status.SETTLED, submitted_at=cutoff - datetime.timedelta(hours=1),
                    acknowledged_at=cutoff - datetime.timedelta(minutes=40),
                    settled_at=cutoff + datetime.timedelta(hours=14))
    outcomes = [("R04", "invalid_account_number"), ("R03", "no_account"), ("", ""), ("", "")]
    for return_code, reason in outcomes:
        item, account = _completed_sale(world, world.harbour, country="US")
        if return_code:
            account.status = BankAccount.Status.INVALID
            account.save(update_fields=["status"])
        status = Disbursement.Status.RETURNED if return_code else Disbursement.Status.PAID
        disbursement = b.disbursement(item=item, status=status, bank_account=account,
                                      failure_reason=f"Bank return {return_code}: {reason}" if return_code else "")
        b.batch_entry(batch=batch, bank_account=account, disbursement=disbursement, return_code=return_code,
                      status=BatchEntry.Status.RETURNED if return_code else BatchEntry.Status.SETTLED)


def account_closed_return(world: DemoWorld) -> None:
    """A BECS disbursement returned because the seller closed the account (BECS code 3)."""
    b = world.builder
    day = world.becs.previous_business_day(world.becs.previous_business_day(world.becs.previous_business_day(b.today)))
    cutoff = world.becs.cutoff_on(day)
    batch = b.batch(reference=ACCOUNT_CLOSED_BATCH, network=Network.BECS, direction=Direction.CREDIT,
                    processing_date=day, status=Batch.Status.SETTLED, submitted_at=cutoff - datetime.timedelta(hours=2),
                    acknowledged_at=cutoff - datetime.timedelta(hours=1),
                    settled_at=cutoff + datetime.timedelta(hours=15))
    item, account = _completed_sale(world, world.bazaar)
    account.status = BankAccount.Status.CLOSED
    account.save(update_fields=["status"])
    disbursement = b.disbursement(item=item, status=Disbursement.Status.RETURNED, bank_account=account,
                                  failure_reason="Bank return 3: account_closed")
    b.batch_entry(batch=batch, bank_account=account, disbursement=disbursement, return_code="3",
                  status=BatchEntry.Status.RETURNED)


def stuck_batch(world: DemoWorld) -> None:
    """A credit batch submitted two business days ago that the bank never acknowledged."""
    b = world.builder
    day = world.becs.previous_business_day(world.becs.previous_business_day(b.today))
    batch = b.batch(reference=STUCK_BATCH, network=Network.BECS, direction=Direction.CREDIT, processing_date=day,
                    status=Batch.Status.SUBMITTED,
                    submitted_at=world.becs.cutoff_on(day) - datetime.timedelta(minutes=30))
    for _ in range(4):
        item, account = _completed_sale(world, world.bazaar)
        disbursement = b.disbursement(item=item, status=Disbursement.Status.BATCHED, bank_account=account)
        b.batch_entry(batch=batch, bank_account=account, disbursement=disbursement, status=BatchEntry.Status.SUBMITTED)


def failed_batch(world: DemoWorld) -> None:
    """A credit batch the bank rejected because one entry had an invalid BSB; reprocess applies."""
    b = world.builder
    day = world.becs.previous_business_day(b.today)
    batch = b.batch(reference=FAILED_BATCH, network=Network.BECS, direction=Direction.CREDIT, processing_date=day,
                    status=Batch.Status.FAILED, submitted_at=world.becs.cutoff_on(day) - datetime.timedelta(hours=1),
                    failure_reason="File rejected by the bank: entry 3 has BSB 999-999, which is not a valid BSB")
    for position in range(1, 6):
        item, account = _completed_sale(world, world.bazaar)
        validation_error = ""
        if position == 3:
            account.routing_number = "999999"
            account.status = BankAccount.Status.INVALID
            account.save(update_fields=["routing_number", "status"])
            validation_error = "BSB 999-999 is not a valid BSB"
        disbursement = b.disbursement(item=item, status=Disbursement.Status.FAILED, bank_account=account,
                                      failure_reason="Batch rejected by the bank")
        b.batch_entry(batch=batch, bank_account=account, disbursement=disbursement, validation_error=validation_error,
                      status=BatchEntry.Status.REJECTED if validation_error else BatchEntry.Status.PENDING)


def card_declines(world: DemoWorld) -> None:
    """Items left in payment_required by card declines, one for each common reason."""
    b = world.builder
    for reference, code, source, rule, message in CARD_DECLINES:
        buyer, seller = world.pair(world.bazaar)
        item = b.item(platform=world.bazaar, buyer=buyer, seller=seller, state=ItemState.PAYMENT_REQUIRED,
                      external_id=reference, created_at=b.ago(hours=b.rng.randint(2, 48)))
        status = Charge.Status.DECLINED if source != Charge.DeclineSource.INVALID_REQUEST else Charge.Status.FAILED
        b.charge(item=item, status=status, card=b.card(customer=buyer), response_code=code, decline_source=source,
                 risk_rule=rule, error_message=message)


def pending_payments(world: DemoWorld) -> None:
    """Items in payment_pending for each cause other than a batch, and one held for risk review."""
    b = world.builder
    buyer, seller = world.pair(world.bazaar)
    item = b.item(platform=world.bazaar, buyer=buyer, seller=seller, state=ItemState.PAYMENT_PENDING,
                  external_id=THREE_DS_ITEM, created_at=b.ago(hours=5))
    b.charge(item=item, status=Charge.Status.REQUIRES_ACTION, card=b.card(customer=buyer), response_code="1A",
             created_at=b.ago(hours=1))
    buyer, seller = world.pair(world.bazaar)
    item = b.item(platform=world.bazaar, buyer=buyer, seller=seller, state=ItemState.PAYMENT_PENDING,
                  external_id=CARD_AUTH_PENDING_ITEM, created_at=b.ago(hours=2))
    b.charge(item=item, status=Charge.Status.PENDING, card=b.card(customer=buyer), created_at=b.ago(minutes=50))
    buyer, seller = world.pair(world.bazaar)
    b.item(platform=world.bazaar, buyer=buyer, seller=seller, state=ItemState.PAYMENT_PENDING,
           method=PaymentMethod.BANK_TRANSFER, external_id=BANK_TRANSFER_ITEM, created_at=b.ago(days=2))
    buyer, seller = world.pair(world.bazaar)
    item = b.item(platform=world.bazaar, buyer=buyer, seller=seller, state=ItemState.PAYMENT_HELD,
                  external_id=RISK_HELD_ITEM, amount=950_000, created_at=b.ago(hours=30))
    b.charge(item=item, status=Charge.Status.SUCCEEDED, card=b.card(customer=buyer), response_code="00")


def sellers_not_paid(world: DemoWorld) -> None:
    """A seller whose bank account is not verified, and a seller on payout hold."""
    b = world.builder
    unverified = b.customer(platform=world.bazaar, kind=Customer.Kind.SELLER, first_name="Noah", last_name="Fraser",
                            email=UNVERIFIED_SELLER_EMAIL, kyc_state=Customer.KycState.APPROVED)
    b.bank_account(customer=unverified, status=BankAccount.Status.UNVERIFIED)
    item, _ = _completed_sale(world, world.bazaar, seller=unverified)
    b.disbursement(item=item, status=Disbursement.Status.PENDING)

    held = b.customer(platform=world.bazaar, kind=Customer.Kind.SELLER, first_name="Isla", last_name="Haddad",
                      email=HELD_SELLER_EMAIL)
    held_account = b.bank_account(customer=held)
    b.payout_hold(customer=held, placed_by=world.staff["lead"],
                  reason="Chargeback rate above 1% this month: review disputes before paying out")
    item, _ = _completed_sale(world, world.bazaar, seller=held, seller_account=held_account)
    b.disbursement(item=item, status=Disbursement.Status.PENDING, bank_account=held_account)


def seller_fee(world: DemoWorld) -> None:
    """An item carrying the 5% seller commission and the buyer protection fee."""
    b = world.builder
    buyer, seller = world.pair(world.bazaar)
    item = b.item(platform=world.bazaar, buyer=buyer, seller=seller, state=ItemState.PAYMENT_DEPOSITED,
                  amount=240_000, external_id=SELLER_FEE_ITEM, name="Bathroom tiling")
    b.add_fee(item=item, fee=world.seller_fee)
    b.add_fee(item=item, fee=world.buyer_fee)
    b.charge(item=item, status=Charge.Status.SUCCEEDED, card=b.card(customer=buyer), response_code="00")


def failing_callbacks(world: DemoWorld) -> None:
    """Tradie Hub's callback endpoint answers 500 to every delivery."""
    b = world.builder
    for _ in range(3):
        buyer, seller = world.pair(world.tradie)
        item = b.item(platform=world.tradie, buyer=buyer, seller=seller, state=ItemState.PAYMENT_DEPOSITED,
                      created_at=b.ago(hours=b.rng.randint(6, 40)))
        b.charge(item=item, status=Charge.Status.SUCCEEDED, card=b.card(customer=buyer), response_code="00")
        b.callback(platform=world.tradie, item=item, event_type="item.payment_deposited",
                   status=Callback.Status.FAILING, response_statuses=[500, 500, 500],
                   error="HTTP 500 Internal Server Error")


SCENARIOS = [
    late_direct_debit, holiday_batch, invalid_account_batch, account_closed_return, stuck_batch, failed_batch,
    card_declines, pending_payments, sellers_not_paid, seller_fee, failing_callbacks,
]
