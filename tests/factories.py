"""Test data for the payments database: one keyword-only function per model.

Each `make_<entity>` fills every required field with a value that is unique across the test run
(from one counter) and consistent with the objects it is given: a charge is for its item's buyer
in the item's currency, a disbursement pays the item's seller into the seller's own bank
account, a batch entry copies its charge's or disbursement's customer, account and amount, and so
on. Anything not given is made. Keyword overrides win over the defaults and are not checked.

`make_payments_world(size)` builds `size` rows of every model the admin shows, all linked, and
can grow an existing world so that the same detail objects gain more related rows.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.db import models
from django.utils import timezone

from accounts.models import BankAccount, CardAccount, Customer, PayoutHold, Platform
from batches.models import Batch, BatchEntry, Direction, Network
from opsconsole.roles import OPS_AGENT
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

_sequence = itertools.count(1)

CURRENCY_OF_COUNTRY = {"AU": "AUD", "US": "USD", "NZ": "NZD", "GB": "GBP", "IE": "EUR"}
NETWORK_OF_CURRENCY = {"AUD": Network.BECS, "USD": Network.ACH}


def next_number() -> int:
    """A number no other factory call in this test run has had."""
    return next(_sequence)


def bank_account_number(number: int) -> str:
    """Ten digits that look like an account number and differ for every `number` below 10**10."""
    # 982451653 is prime, so multiplying by it permutes the residues mod 10**10: no collisions.
    return f"{(number * 982_451_653) % 10**10:010d}"


def make_staff_user(**overrides) -> User:
    number = next_number()
    values = {
        "username": f"agent{number}",
        "email": f"agent{number}@opsconsole.example",
        "first_name": "Agent",
        "last_name": f"Number{number}",
        "is_staff": True,
    }
    values.update(overrides)
    return User.objects.create(**values)


def make_platform(**overrides) -> Platform:
    number = next_number()
    values = {
        "name": f"Marketplace {number}",
        "client_id": f"client_{number:08d}",
        "environment": Platform.Environment.PRODUCTION,
        "callback_url": f"https://marketplace-{number}.example.com/payments/callbacks",
        "callbacks_enabled": True,
        "features": ["cards", "direct_debit"],
        "created_at": timezone.now() - timedelta(days=365),
    }
    values.update(overrides)
    return Platform.objects.create(**values)


def make_customer(*, platform: Platform | None = None, kind: str = Customer.Kind.BUYER, **overrides) -> Customer:
    number = next_number()
    values = {
        "platform": platform or make_platform(),
        "external_id": f"user-{number}",
        "kind": kind,
        "email": f"{kind}{number}@customers.example.com",
        "first_name": "Sam" if kind == Customer.Kind.BUYER else "Alex",
        "last_name": f"Customer{number}",
        "country": "AU",
        "kyc_state": Customer.KycState.APPROVED,
        "created_at": timezone.now() - timedelta(days=200),
    }
    values.update(overrides)
    return Customer.objects.create(**values)


def make_bank_account(*, customer: Customer | None = None, **overrides) -> BankAccount:
    """A verified account in the customer's country and currency."""
    number = next_number()
    customer = customer or make_customer(kind=Customer.Kind.SELLER)
    now = timezone.now()
    values = {
        "customer": customer,
        "holder_name": customer.full_name,
        "bank_name": f"Bank of Example {number}",
        "routing_number": f"{number % 1_000_000:06d}",
        "account_number": bank_account_number(number),
        "country": customer.country,
        "currency": CURRENCY_OF_COUNTRY[customer.country],
        "status": BankAccount.Status.VERIFIED,
        "verified_at": now - timedelta(days=100),
        "created_at": now - timedelta(days=150),
    }
    values.update(overrides)
    return BankAccount.objects.create(**values)


def make_card_account(*, customer: Customer | None = None, **overrides) -> CardAccount:
    number = next_number()
    customer = customer or make_customer()
    values = {
        "customer": customer,
        "brand": CardAccount.Brand.VISA,
        "last_four": f"{number % 10_000:04d}",
        "expiry_month": number % 12 + 1,
        "expiry_year": timezone.now().year + 2,
        "fingerprint": f"fp_{number:016x}",
        "holder_name": customer.full_name,
        "is_active": True,
        "created_at": timezone.now() - timedelta(days=120),
    }
    values.update(overrides)
    return CardAccount.objects.create(**values)


def make_payout_hold(*, customer: Customer | None = None, released: bool = False, **overrides) -> PayoutHold:
    """An active hold placed by a staff member, or with `released` one that was lifted."""
    now = timezone.now()
    values = {
        "customer": customer or make_customer(kind=Customer.Kind.SELLER),
        "reason": "Chargeback ratio above 1% this month.",
        "placed_at": now - timedelta(days=30),
    }
    if "placed_by" not in overrides:
        values["placed_by"] = make_staff_user()
    if released:
        values.update(
            released_by=overrides.get("released_by") or make_staff_user(),
            released_at=now - timedelta(days=2),
            release_reason="Chargebacks explained by the seller.",
        )
    values.update(overrides)
    return PayoutHold.objects.create(**values)


def make_item(
    *,
    buyer: Customer | None = None,
    seller: Customer | None = None,
    platform: Platform | None = None,
    **overrides,
) -> Item:
    """An item between a buyer and a seller of one platform, priced in the seller's currency."""
    number = next_number()
    if platform is None:
        platform = buyer.platform if buyer else seller.platform if seller else make_platform()
    buyer = buyer or make_customer(platform=platform, kind=Customer.Kind.BUYER)
    seller = seller or make_customer(platform=platform, kind=Customer.Kind.SELLER)
    now = timezone.now()
    values = {
        "platform": platform,
        "external_id": f"item-{number}",
        "name": f"Handmade table no. {number}",
        "buyer": buyer,
        "seller": seller,
        "amount": 10_000 + number,
        "currency": CURRENCY_OF_COUNTRY[seller.country],
        "buyer_fee_amount": 150,
        "seller_fee_amount": 500,
        "payment_method": PaymentMethod.CARD,
        "state": ItemState.PAYMENT_DEPOSITED,
        "state_changed_at": now - timedelta(days=1),
        "created_at": now - timedelta(days=3),
    }
    values.update(overrides)
    return Item.objects.create(**values)


def make_item_state_change(*, item: Item | None = None, **overrides) -> ItemStateChange:
    """A step of the item's life; later calls are later steps (a second apart)."""
    number = next_number()
    item = item or make_item()
    values = {
        "item": item,
        "from_state": ItemState.PAYMENT_PENDING,
        "to_state": ItemState.PAYMENT_DEPOSITED,
        "changed_at": item.created_at + timedelta(seconds=number),
        "cause": f"Charge succeeded (event {number})",
    }
    values.update(overrides)
    return ItemStateChange.objects.create(**values)


def make_fee(*, platform: Platform | None = None, **overrides) -> Fee:
    number = next_number()
    values = {
        "platform": platform or make_platform(),
        "name": f"Seller commission {number}",
        "kind": Fee.Kind.PERCENTAGE,
        "fixed_amount": 0,
        "basis_points": 500,
        "cap_amount": 5_000,
        "payer": Payer.SELLER,
        "currency": "AUD",
        "is_active": True,
    }
    values.update(overrides)
    return Fee.objects.create(**values)


def make_item_fee(*, item: Item | None = None, fee: Fee | None = None, **overrides) -> ItemFee:
    """The fee applied to the item: a percentage of its amount, capped, paid by the fee's payer."""
    item = item or make_item()
    fee = fee or make_fee(platform=item.platform, currency=item.currency)
    if fee.kind == Fee.Kind.PERCENTAGE:
        amount = item.amount * fee.basis_points // 10_000
        if fee.cap_amount is not None:
            amount = min(amount, fee.cap_amount)
    else:
        amount = fee.fixed_amount
    values = {
        "item": item,
        "fee": fee,
        "payer": fee.payer,
        "amount": amount,
        "currency": item.currency,
        "created_at": item.created_at,
    }
    values.update(overrides)
    return ItemFee.objects.create(**values)


def make_charge(*, item: Item | None = None, **overrides) -> Charge:
    """A succeeded attempt to take the buyer's total for the item by the item's payment method."""
    number = next_number()
    item = item or make_item()
    now = timezone.now()
    values = {
        "item": item,
        "payer": item.buyer,
        "method": item.payment_method,
        "amount": item.buyer_total,
        "currency": item.currency,
        "status": Charge.Status.SUCCEEDED,
        "gateway_reference": f"ch_{number:012d}",
        "response_code": "00",
        "created_at": now - timedelta(days=2),
        "updated_at": now - timedelta(days=2),
    }
    values.update(overrides)
    if values["method"] == PaymentMethod.CARD and "card_account" not in values:
        values["card_account"] = make_card_account(customer=values["payer"])
    if values["method"] == PaymentMethod.DIRECT_DEBIT and "bank_account" not in values:
        values["bank_account"] = make_bank_account(customer=values["payer"])
    return Charge.objects.create(**values)


def make_disbursement(*, item: Item | None = None, **overrides) -> Disbursement:
    """The seller's net for the item, waiting for a credit batch, to the seller's bank account."""
    number = next_number()
    item = item or make_item()
    values = {
        "seller": item.seller,
        "item": item,
        "amount": item.seller_net,
        "currency": item.currency,
        "status": Disbursement.Status.PENDING,
        "reference": f"DSB-{number:08d}",
        "created_at": timezone.now() - timedelta(days=1),
    }
    values.update(overrides)
    if "bank_account" not in values:
        values["bank_account"] = (
            values["seller"].bank_accounts.filter(status=BankAccount.Status.VERIFIED).first()
            or make_bank_account(customer=values["seller"])
        )
    return Disbursement.objects.create(**values)


def make_transaction(
    *,
    charge: Charge | None = None,
    disbursement: Disbursement | None = None,
    **overrides,
) -> Transaction:
    """The ledger line of a charge (a payment, credit to the buyer's balance) or of a
    disbursement (a debit of the seller's balance); with neither, a payment for a new charge.
    A line for both is a fee: see `make_fee_transaction`."""
    if charge is not None and disbursement is not None:
        raise ValueError("A payment or payout line has a charge or a disbursement, not both.")
    number = next_number()
    if charge is None and disbursement is None:
        charge = make_charge()
    if disbursement is not None:
        values = {
            "customer": disbursement.seller,
            "item": disbursement.item,
            "disbursement": disbursement,
            "kind": Transaction.Kind.DISBURSEMENT,
            "amount": -disbursement.amount,
            "currency": disbursement.currency,
            "reference": disbursement.reference,
            "description": f"Paid out (line {number})",
        }
    else:
        values = {
            "customer": charge.payer,
            "item": charge.item,
            "charge": charge,
            "kind": Transaction.Kind.PAYMENT,
            "amount": charge.amount,
            "currency": charge.currency,
            "reference": charge.gateway_reference,
            "description": f"Payment received (line {number})",
        }
    values["created_at"] = timezone.now() - timedelta(hours=12)
    values.update(overrides)
    return Transaction.objects.create(**values)


def make_fee_transaction(
    *, item_fee: ItemFee, charge: Charge, disbursement: Disbursement | None = None, **overrides
) -> Transaction:
    """The ledger line of a fee on an item, taken from its payment (`charge`) and, for a seller's
    fee, deducted from the payout (`disbursement`)."""
    values = {
        "customer": charge.payer if item_fee.payer == Payer.BUYER else item_fee.item.seller,
        "item": item_fee.item,
        "charge": charge,
        "disbursement": disbursement,
        "kind": Transaction.Kind.FEE,
        "amount": -item_fee.amount,
        "currency": item_fee.currency,
        "reference": f"FEE-{next_number():08d}",
        "description": str(item_fee.fee),
        "created_at": timezone.now() - timedelta(hours=11),
    }
    values.update(overrides)
    return Transaction.objects.create(**values)


def make_batch(**overrides) -> Batch:
    """A credit batch submitted before yesterday's cut-off, by default in AUD on BECS; the
    network follows the currency (USD goes by ACH)."""
    number = next_number()
    now = timezone.now()
    cutoff_at = now.replace(hour=16, minute=0, second=0, microsecond=0) - timedelta(days=1)
    values = {
        "reference": f"B-{number}",
        "network": NETWORK_OF_CURRENCY[overrides.get("currency", "AUD")],
        "direction": Direction.CREDIT,
        "currency": "AUD",
        "status": Batch.Status.SUBMITTED,
        "processing_date": cutoff_at.date(),
        "cutoff_at": cutoff_at,
        "submitted_at": cutoff_at - timedelta(minutes=30),
        "created_at": cutoff_at - timedelta(hours=8),
    }
    values.update(overrides)
    return Batch.objects.create(**values)


def make_batch_entry(
    *,
    batch: Batch | None = None,
    charge: Charge | None = None,
    disbursement: Disbursement | None = None,
    **overrides,
) -> BatchEntry:
    """A line of a batch: a credit paying a disbursement, or a debit collecting a direct-debit
    charge. The batch's entry count and total are kept in step."""
    number = next_number()
    if charge is None and disbursement is None:
        disbursement = make_disbursement()
    if disbursement is not None:
        batch = batch or make_batch(direction=Direction.CREDIT, currency=disbursement.currency)
        values = {
            "direction": Direction.CREDIT,
            "customer": disbursement.seller,
            "bank_account": disbursement.bank_account,
            "disbursement": disbursement,
            "amount": disbursement.amount,
            "currency": disbursement.currency,
        }
    else:
        batch = batch or make_batch(direction=Direction.DEBIT, currency=charge.currency)
        values = {
            "direction": Direction.DEBIT,
            "customer": charge.payer,
            "bank_account": charge.bank_account,
            "charge": charge,
            "amount": charge.amount,
            "currency": charge.currency,
        }
    values.update(
        batch=batch,
        status=BatchEntry.Status.SUBMITTED,
        trace_number=f"{number:015d}",
        created_at=batch.created_at + timedelta(minutes=number % 60),
    )
    values.update(overrides)
    if values["status"] == BatchEntry.Status.RETURNED and "returned_at" not in values:
        values["returned_at"] = batch.cutoff_at + timedelta(days=2)
    entry = BatchEntry.objects.create(**values)
    Batch.objects.filter(pk=batch.pk).update(
        entry_count=models.F("entry_count") + 1, total_amount=models.F("total_amount") + entry.amount
    )
    batch.refresh_from_db(fields=["entry_count", "total_amount"])
    return entry


def make_callback(
    *, item: Item | None = None, platform: Platform | None = None, deliveries: int = 1, **overrides
) -> Callback:
    """A callback about the item, sent to its platform's URL, with `deliveries` failed attempts
    before the last one, which succeeded."""
    if item is None:
        item = make_item(platform=platform)
    platform = platform or item.platform
    values = {
        "platform": platform,
        "event_type": "item.state_changed",
        "item": item,
        "payload": {"item_id": item.external_id, "state": item.state},
        "status": Callback.Status.DELIVERED if deliveries else Callback.Status.PENDING,
        "created_at": timezone.now() - timedelta(hours=6),
    }
    values.update(overrides)
    callback = Callback.objects.create(**values)
    for attempt in range(1, deliveries + 1):
        make_callback_delivery(callback=callback, succeeded=attempt == deliveries)
    return callback


def make_callback_delivery(
    *, callback: Callback | None = None, succeeded: bool = False, **overrides
) -> CallbackDelivery:
    """The callback's next delivery attempt: a 500 from the platform unless `succeeded`."""
    callback = callback or make_callback(deliveries=0)
    attempt = (callback.deliveries.aggregate(last=models.Max("attempt"))["last"] or 0) + 1
    values = {
        "callback": callback,
        "attempt": attempt,
        "url": callback.platform.callback_url or "https://platform.example.com/callbacks",
        "attempted_at": callback.created_at + timedelta(minutes=attempt),
        "response_status": 200 if succeeded else 500,
        "response_ms": 120 + attempt,
        "error": "" if succeeded else "HTTP 500 Internal Server Error",
    }
    values.update(overrides)
    return CallbackDelivery.objects.create(**values)


@dataclass
class PaymentsWorld:
    """Every model of the payments database, `size` rows or more of each, all linked.

    The first object of each kind is the one whose detail page tests open (the first customer is
    the main seller, the second the main buyer). Each round of `make_payments_world` adds related
    rows to every inline of those pages, so growing the world grows them:

    - seller: bank accounts, cards, payout holds, items sold, disbursements; buyer: cards, items bought;
    - item (a direct debit from buyer to seller): state changes, fees, charges, disbursements, ledger lines;
    - first charge: re-presentations in debit batches (returned), fee ledger lines;
    - first disbursement: re-sends in credit batches (returned), fee ledger lines;
    - callback: deliveries; batch (a credit batch): entries.
    """

    size: int = 0
    rows: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)

    def add(self, row: models.Model) -> models.Model:
        self.rows.setdefault(type(row), []).append(row)
        return row

    def first(self, model: type[models.Model]) -> models.Model:
        return self.rows[model][0]

    @property
    def platform(self) -> Platform:
        return self.first(Platform)

    @property
    def seller(self) -> Customer:
        return self.first(Customer)

    @property
    def buyer(self) -> Customer:
        return self.rows[Customer][1]

    @property
    def item(self) -> Item:
        return self.first(Item)

    @property
    def charge(self) -> Charge:
        return self.first(Charge)

    @property
    def disbursement(self) -> Disbursement:
        return self.first(Disbursement)

    @property
    def callback(self) -> Callback:
        return self.first(Callback)

    @property
    def batch(self) -> Batch:
        return self.first(Batch)

    def detail_objects(self, model: type[models.Model]) -> list[models.Model]:
        """The objects of `model` whose detail pages, together, show every inline with rows."""
        if model is Customer:
            return [self.seller, self.buyer]
        return [self.detail_object(model)]

    def detail_object(self, model: type[models.Model]) -> models.Model:
        """The object of `model` whose detail page shows the most of the world."""
        if model is User:
            return self.first(PayoutHold).placed_by
        if model is Group:
            return Group.objects.get(name=OPS_AGENT.group_name)  # the roles exist from migrate
        return self.first(model)


def make_payments_world(size: int, *, world: PaymentsWorld | None = None) -> PaymentsWorld:
    """`size` rows (or more) of every payments, accounts and batches model, linked as in production.

    Pass an existing `world` to grow it to `size`: the same first objects gain the new related
    rows, so their detail pages have more inline rows.
    """
    world = world or PaymentsWorld()
    for round_number in range(world.size, size):
        if round_number == 0:
            _start_world(world)
        else:
            _add_list_rows(world)
        _add_related_rows(world, round_number)
    world.size = max(world.size, size)
    return world


def _start_world(world: PaymentsWorld) -> None:
    """The main objects: a seller paid by direct debit from a buyer's bank account."""
    platform = world.add(make_platform())
    seller = world.add(make_customer(platform=platform, kind=Customer.Kind.SELLER))
    buyer = world.add(make_customer(platform=platform, kind=Customer.Kind.BUYER))
    world.add(make_bank_account(customer=buyer))
    seller_bank_account = world.add(make_bank_account(customer=seller))
    item = world.add(make_item(buyer=buyer, seller=seller, payment_method=PaymentMethod.DIRECT_DEBIT))
    world.add(make_charge(item=item, bank_account=buyer.bank_accounts.get()))
    world.add(make_disbursement(item=item, bank_account=seller_bank_account))
    world.add(make_callback(item=item, deliveries=0))
    world.add(make_batch(direction=Direction.CREDIT))


def _add_list_rows(world: PaymentsWorld) -> None:
    """Rows that are not on the main objects' pages but make the lists longer: another platform
    and its seller, and another item (by card) between the main buyer and seller with its callback."""
    platform = world.add(make_platform(environment=Platform.Environment.PRELIVE))
    world.add(make_customer(platform=platform, kind=Customer.Kind.SELLER))
    item = world.add(make_item(buyer=world.buyer, seller=world.seller, state=ItemState.COMPLETED))
    world.add(make_charge(item=item, card_account=world.add(make_card_account(customer=world.buyer))))
    world.add(make_callback(item=item, deliveries=1))


def _add_related_rows(world: PaymentsWorld, round_number: int) -> None:
    seller, buyer, item = world.seller, world.buyer, world.item
    bank_account = world.add(make_bank_account(customer=seller))
    world.add(make_card_account(customer=seller))
    world.add(make_card_account(customer=buyer))
    world.add(make_payout_hold(customer=seller, released=round_number > 0))
    world.add(make_item_state_change(item=item))
    item_fee = world.add(make_item_fee(item=item, fee=world.add(make_fee(platform=world.platform))))
    world.add(make_fee_transaction(item_fee=item_fee, charge=world.charge, disbursement=world.disbursement))

    charge = world.add(make_charge(item=item, bank_account=world.charge.bank_account))
    world.add(make_transaction(charge=charge))
    disbursement = world.add(make_disbursement(item=item, bank_account=bank_account))
    world.add(make_transaction(disbursement=disbursement))
    world.add(make_batch_entry(batch=world.batch, disbursement=disbursement))

    # The first charge and disbursement bounced and went out again in the next batches: BECS
    # return 6, refer to customer, and 9, technically invalid (opsconsole/reference/becs_return_codes.csv).
    debit_batch = world.add(make_batch(direction=Direction.DEBIT, status=Batch.Status.SETTLED))
    world.add(make_batch_entry(
        batch=debit_batch, charge=world.charge, status=BatchEntry.Status.RETURNED, return_code="6",
    ))
    credit_batch = world.add(make_batch(direction=Direction.CREDIT, status=Batch.Status.SETTLED))
    world.add(make_batch_entry(
        batch=credit_batch, disbursement=world.disbursement, status=BatchEntry.Status.RETURNED, return_code="9",
    ))
    world.add(make_callback_delivery(callback=world.callback))
