"""The shape of generated data: who exists when, and how ids relate, as plain numbers.

Every row is a function of its id, so tables can be filled independently and in parallel and
still agree with each other. Customers come in blocks of one per platform; in each run of five
blocks the first two are sellers and the last three buyers. Items are spread evenly over the
last two years, and each picks its buyer and seller among the customers of its platform who
already existed when it was created. Batches cut the same two years into periods, one batch
per network, direction and period.
"""

import datetime
from dataclasses import dataclass

from bench.sizes import Size

DAY = 86_400
SPAN_SECONDS = 730 * DAY
# Customers exist a little before the first item: `margin` covers the blocks an item may pick
# beyond the one created at its own time.
BLOCKS_PER_GROUP = 5
SELLER_BLOCKS = 2


@dataclass(frozen=True)
class Shape:
    anchor: float  # the generator's "now", in epoch seconds: every row happened before it
    platforms: int
    customer_blocks: int
    items: int
    transactions: int
    batch_periods: int
    task_runs: int
    audit_events: int
    api_requests: int

    @classmethod
    def for_size(cls, size: Size, *, platforms: int, now: datetime.datetime) -> "Shape":
        blocks = max(BLOCKS_PER_GROUP, size.count("customers") // platforms // BLOCKS_PER_GROUP * BLOCKS_PER_GROUP)
        return cls(
            anchor=float(int(now.timestamp()) // 60 * 60), platforms=platforms, customer_blocks=blocks,
            items=size.count("items"), transactions=size.count("transactions"),
            batch_periods=max(1, size.count("batches") // 4), task_runs=size.count("task_runs"),
            audit_events=size.count("audit_events"), api_requests=size.count("api_requests"),
        )

    @property
    def customers(self) -> int:
        return self.customer_blocks * self.platforms

    @property
    def sellers(self) -> int:
        return self.customer_blocks // BLOCKS_PER_GROUP * SELLER_BLOCKS * self.platforms

    @property
    def items_start(self) -> float:
        return self.anchor - SPAN_SECONDS

    @property
    def item_seconds(self) -> float:
        return SPAN_SECONDS / self.items

    @property
    def block_seconds(self) -> float:
        return SPAN_SECONDS / self.customer_blocks

    @property
    def customers_start(self) -> float:
        return self.items_start - BLOCKS_PER_GROUP * self.block_seconds - DAY

    @property
    def period_seconds(self) -> float:
        return SPAN_SECONDS / self.batch_periods

    @property
    def anchor_sql(self) -> str:
        return f"to_timestamp({self.anchor})"

    @property
    def anchor_datetime(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.anchor, tz=datetime.UTC)

    def customer_created(self, customer_id: int) -> datetime.datetime:
        block = (customer_id - 1) // self.platforms
        return datetime.datetime.fromtimestamp(self.customers_start + block * self.block_seconds, tz=datetime.UTC)
