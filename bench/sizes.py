"""How much data a benchmark database holds.

The default size is the one the budgets are stated for: a payments database of a million
customers, three million items and ten million ledger lines. Smaller sizes keep the same shape.
"""

from dataclasses import dataclass

from bench.database import database_prefix

DEFAULT_COUNTS = {
    "customers": 1_000_000,
    "items": 3_000_000,
    "transactions": 10_000_000,
    "batches": 20_000,
    "task_runs": 40_000,
    "audit_events": 200_000,
    "api_requests": 2_000_000,
    # The failed batch the reprocess job resubmits, and the rows the import job reads.
    "reprocess_entries": 1_000_000,
    "import_rows": 5_000,
}
# Below these a size no longer has the shape of the default one (lists longer than a page of
# 100, a few customers per platform), or a job measures its start-up instead of its work.
MINIMUM_COUNTS = {
    "customers": 600, "items": 1_500, "transactions": 5_000, "batches": 240, "task_runs": 50,
    "audit_events": 200, "api_requests": 2_000, "reprocess_entries": 12_000, "import_rows": 500,
}
NAMED_FACTORS = {"small": 0.001, "medium": 0.01, "default": 1.0}


@dataclass(frozen=True)
class Size:
    name: str
    factor: float

    def count(self, what: str) -> int:
        return max(MINIMUM_COUNTS[what], round(DEFAULT_COUNTS[what] * self.factor))

    @property
    def scale_argument(self) -> str:
        """What `--scale` says to get this size again."""
        return self.name if self.name in NAMED_FACTORS else format(self.factor, "g")

    @property
    def database_name(self) -> str:
        prefix = database_prefix()
        return prefix if self.name == "default" else f"{prefix}_{self.name}"


def size_named(name_or_factor: str) -> Size:
    """`small`, `medium`, `default`, or a factor of the default size such as `0.1`."""
    if name_or_factor in NAMED_FACTORS:
        return Size(name_or_factor, NAMED_FACTORS[name_or_factor])
    try:
        factor = float(name_or_factor)
    except ValueError:
        raise ValueError(
            f"--scale must be one of {', '.join(NAMED_FACTORS)} or a number, not {name_or_factor!r}"
        ) from None
    if not 0 < factor <= 10:
        raise ValueError(f"--scale must be above 0 and at most 10, not {factor}")
    if factor == 1:
        return Size("default", 1.0)
    return Size(f"x{format(factor, 'g').replace('.', '_')}", factor)
