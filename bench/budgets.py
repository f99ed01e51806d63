"""The budgets the console holds at the default size on a 2-core machine, and which ones a
measured record misses."""

from dataclasses import dataclass

from bench.pages import DEEP_LIST, DETAIL, EXACT_SEARCH, LIST, PARTIAL_SEARCH

MAX_QUERIES = 10
GENERATOR_SECONDS = 300


@dataclass(frozen=True)
class PageBudget:
    p95_ms: float
    times_faster: float  # than the stock admin's page for the same thing

    def describe(self) -> str:
        return f"p95 ≤ {self.p95_ms:g} ms, ≥ {self.times_faster:g}× stock, ≤ {MAX_QUERIES} queries"


PAGE_BUDGETS = {
    LIST: PageBudget(60, 40),
    DEEP_LIST: PageBudget(60, 40),
    DETAIL: PageBudget(40, 500),
    EXACT_SEARCH: PageBudget(15, 300),
    PARTIAL_SEARCH: PageBudget(60, 300),
}


@dataclass(frozen=True)
class JobBudget:
    rate: float
    times_faster: float
    peak_rss_mb: float | None = None

    def describe(self, unit: str) -> str:
        memory = f", worker < {self.peak_rss_mb:g} MB" if self.peak_rss_mb else ""
        return f"≥ {self.rate:,.0f} {unit}, ≥ {self.times_faster:g}× baseline{memory}"


# The tracker import checks every row and works out each ticket's SLA clocks, which the console's
# own CSV import (its baseline) does not: 20,000 rows in 20 s, at least a quarter of that rate.
JOB_BUDGETS = {"reprocess": JobBudget(5_000, 5, peak_rss_mb=300), "import": JobBudget(3_000, 5),
               "tracker_import": JobBudget(1_000, 0.25)}


def page_misses(record: dict) -> list[str]:
    """What a page record misses of its budget, in words; empty when it holds."""
    budget = PAGE_BUDGETS[record["kind"]]
    misses = []
    if record.get("error"):
        return [record["error"]]
    if record["p95_ms"] > budget.p95_ms:
        misses.append(f"p95 {record['p95_ms']:.0f} > {budget.p95_ms:g} ms")
    ratio = record.get("ratio")
    if ratio is not None and ratio < budget.times_faster:
        misses.append(f"{ratio:.0f}× < {budget.times_faster:g}×")
    queries = record.get("queries")
    if queries is not None and queries > MAX_QUERIES:
        misses.append(f"{queries} queries > {MAX_QUERIES}")
    other = record.get("queries_other_size")
    if queries is not None and other is not None and other != queries:
        misses.append(f"queries differ by size ({other} vs {queries})")
    return misses


def job_misses(record: dict) -> list[str]:
    if record.get("error"):
        return [record["error"]]
    if record["kind"] == "generate":
        return [f"{record['seconds']:.0f} s > {GENERATOR_SECONDS} s"] if record["seconds"] > GENERATOR_SECONDS else []
    budget = JOB_BUDGETS[record["kind"]]
    misses = []
    if record["rate"] < budget.rate:
        misses.append(f"{record['rate']:,.0f} < {budget.rate:,.0f} {record['unit']}")
    if record["ratio"] < budget.times_faster:
        misses.append(f"{record['ratio']:.1f}× < {budget.times_faster:g}×")
    peak = record.get("worker_peak_rss_mb")
    if budget.peak_rss_mb and peak is not None and peak >= budget.peak_rss_mb:
        misses.append(f"worker {peak:.0f} MB ≥ {budget.peak_rss_mb:g} MB")
    return misses
