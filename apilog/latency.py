"""Latency as a small histogram: enough to estimate a p95 from rollups summed over any window,
which a stored mean or a stored p95 cannot give (percentiles do not add up)."""

from __future__ import annotations

import bisect
import operator
from collections.abc import Iterable
from dataclasses import dataclass

# Upper bounds of the buckets, in milliseconds; the last bucket holds everything slower.
# Doubling widths keep the estimate within a factor of two from 50 ms to 3.2 s with eight columns.
BUCKET_BOUNDS_MS = (50, 100, 200, 400, 800, 1600, 3200)
BUCKET_FIELDS = tuple(f"latency_upto_{bound}ms" for bound in BUCKET_BOUNDS_MS) + (
    f"latency_over_{BUCKET_BOUNDS_MS[-1]}ms",
)


def bucket_index(latency_ms: int) -> int:
    """Which bucket a latency falls in: the first whose bound it does not exceed."""
    return bisect.bisect_left(BUCKET_BOUNDS_MS, latency_ms)


@dataclass(slots=True)
class LatencyHistogram:
    counts: list[int]
    total_ms: int = 0
    max_ms: int = 0

    @classmethod
    def empty(cls) -> LatencyHistogram:
        return cls([0] * len(BUCKET_FIELDS))

    @classmethod
    def summed(cls, histograms: Iterable[LatencyHistogram]) -> LatencyHistogram:
        """The histograms added up: one pass per bucket rather than one `add` per histogram,
        which matters over the thousands of a platform's month."""
        histograms = list(histograms)
        if not histograms:
            return cls.empty()
        return cls([sum(bucket) for bucket in zip(*[histogram.counts for histogram in histograms])],
                   sum(histogram.total_ms for histogram in histograms),
                   max(histogram.max_ms for histogram in histograms))

    @property
    def count(self) -> int:
        return sum(self.counts)

    @property
    def mean_ms(self) -> int | None:
        return round(self.total_ms / self.count) if self.count else None

    def copy(self) -> LatencyHistogram:
        return LatencyHistogram(list(self.counts), self.total_ms, self.max_ms)

    def add(self, other: LatencyHistogram) -> None:
        self.counts = list(map(operator.add, self.counts, other.counts))
        self.total_ms += other.total_ms
        if other.max_ms > self.max_ms:
            self.max_ms = other.max_ms

    def percentile_ms(self, fraction: float) -> int | None:
        """An estimate of the latency below which `fraction` of requests fell: linear within
        the bucket that holds it, capped by the slowest request seen."""
        total = self.count
        if not total:
            return None
        wanted = fraction * total
        seen = 0
        for index, in_bucket in enumerate(self.counts):
            if in_bucket and seen + in_bucket >= wanted:
                lower = BUCKET_BOUNDS_MS[index - 1] if index else 0
                upper = BUCKET_BOUNDS_MS[index] if index < len(BUCKET_BOUNDS_MS) else max(self.max_ms, lower)
                estimate = lower + (upper - lower) * (wanted - seen) / in_bucket
                return round(min(estimate, self.max_ms or estimate))
            seen += in_bucket
        return self.max_ms

    @property
    def p95_ms(self) -> int | None:
        return self.percentile_ms(0.95)
