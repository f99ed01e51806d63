"""Everyday traffic around the scenarios, so lists, filters and search have something to show."""

import datetime

from batches.models import Batch, BatchEntry, Direction, Network
from demo.scenarios import DemoWorld
from payments.models import Callback, Charge, Disbursement, ItemState, PaymentMethod

ITEMS_PER_SCALE = 40
STATE_WEIGHTS = {
    ItemState.COMPLETED: 40, ItemState.PAYMENT_DEPOSITED: 12, ItemState.WORK_COMPLETED: 8,
    ItemState.PAYMENT_REQUIRED: 10, ItemState.PENDING: 6, ItemState.REFUNDED: 3, ItemState.CANCELLED: 3,
    ItemState.PROBLEM_FLAGGED: 2,
}
PAID_STATES = {ItemState.COMPLETED, ItemState.PAYMENT_DEPOSITED, ItemState.WORK_COMPLETED,
               ItemState.REFUNDED, ItemState.PROBLEM_FLAGGED}


class SettledBatches:
    """One settled batch per network, direction and business day, created when first needed."""

    def __init__(self, world: DemoWorld):
        self.world = world
        self.batches: dict[tuple, Batch] = {}

    def for_day(self, network: str, direction: str, day: datetime.date) -> Batch:
        key = (network, direction, day)
        if key not in self.batches:
            calendar = self.world.becs if network == Network.BECS else self.world.ach
            cutoff = calendar.cutoff_on(day)
            reference = (f"B-{'AU' if network == Network.BECS else 'US'}"
                         f"{'D' if direction == Direction.DEBIT else 'C'}-{day:%Y%m%d}")
            self.batches[key] = self.world.builder.batch(
                reference=reference, network=network, direction=direction, processing_date=day,
                status=Batch.Status.SETTLED, submitted_at=cutoff - datetime.timedelta(minutes=45),
                acknowledged_at=cutoff - datetime.timedelta(minutes=20),
                settled_at=cutoff + datetime.timedelta(hours=16),
            )
        return self.batches[key]


def volume_create(world: DemoWorld, *, scale: int) -> int:
    """Create `scale` × 40 items with their charges, disbursements, batches and callbacks."""
    b = world.builder
    batches = SettledBatches(world)
    platforms = [world.bazaar, world.bazaar, world.tradie, world.harbour, world.sandbox]
    states, weights = zip(*STATE_WEIGHTS.items())
    for _ in range(scale * ITEMS_PER_SCALE):
        platform = b.rng.choice(platforms)
        country = "US" if platform == world.harbour else "AU"
        network = Network.ACH if country == "US" else Network.BECS
        calendar = world.ach if country == "US" else world.becs
        buyer, seller = world.pair(platform, country=country)
        seller_account = seller.bank_accounts.get()
        state = b.rng.choices(states, weights)[0]
        method = PaymentMethod.DIRECT_DEBIT if b.rng.random() < 0.25 else PaymentMethod.CARD
        item = b.item(platform=platform, buyer=buyer, seller=seller, state=state, method=method,
                      created_at=b.ago(days=b.rng.randint(4, 20), hours=b.rng.randint(0, 12)))
        if state not in PAID_STATES:
            continue
        if method == PaymentMethod.DIRECT_DEBIT:
            debit_account = b.bank_account(customer=buyer)
            charge = b.charge(item=item, status=Charge.Status.SUCCEEDED, bank_account=debit_account)
            day = calendar.previous_business_day(charge.created_at.date() + datetime.timedelta(days=1))
            b.batch_entry(batch=batches.for_day(network, Direction.DEBIT, day), bank_account=debit_account,
                          charge=charge, status=BatchEntry.Status.SETTLED)
        else:
            b.charge(item=item, status=Charge.Status.SUCCEEDED, card=b.card(customer=buyer), response_code="00")
        if platform.callback_url and platform != world.tradie:
            b.callback(platform=platform, item=item, event_type=f"item.{state}", status=Callback.Status.DELIVERED,
                       response_statuses=[200])
        if state == ItemState.COMPLETED:
            disbursement = b.disbursement(item=item, status=Disbursement.Status.PAID, bank_account=seller_account)
            day = calendar.previous_business_day(min(disbursement.created_at.date(), b.today))
            b.batch_entry(batch=batches.for_day(network, Direction.CREDIT, day), bank_account=seller_account,
                          disbursement=disbursement, status=BatchEntry.Status.SETTLED)
    return scale * ITEMS_PER_SCALE
