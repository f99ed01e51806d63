"""The budgets the console holds at the default size on a 2-core machine, and which ones a
measured record misses.

The absolute budgets — a page's p95 for its kind, a job's rate, the generator's time — are stated
for a machine of reference speed: one whose fixed piece of Python work (bench/machine_speed.py)
takes at most REFERENCE_FIXED_WORK_MS. On a slower machine each grows in proportion to that figure
(a time) or shrinks in proportion to it (a rate); ratios to a baseline measured in the same run and
memory are not scaled. The figure is the one timed around the page or job itself, since a shared
machine's speed changes from one minute to the next; the run's, for a record without its own.

Where the stock admin's page for the same thing takes at least STOCK_EXPENSIVE_MS, the console's
page must also be TIMES_FASTER_THAN_STOCK times faster than it; where the stock page is cheaper,
the console's page must meet its absolute budget or be no slower than the stock page.
"""

from dataclasses import dataclass

from bench.pages import DEEP_LIST, DETAIL, EXACT_SEARCH, LIST, PARTIAL_SEARCH

MAX_QUERIES = 10
GENERATOR_SECONDS = 300

# p95 in milliseconds at reference speed, by kind of page.
PAGE_P95_MS = {LIST: 60, DEEP_LIST: 60, DETAIL: 40, EXACT_SEARCH: 15, PARTIAL_SEARCH: 60}
REFERENCE_FIXED_WORK_MS = 65
STOCK_EXPENSIVE_MS = 1_000
TIMES_FASTER_THAN_STOCK = 40
# A list page (100 rows; the audit trail's 50) as the server sends it before compression.
LIST_PAGE_MAX_BYTES = 150_000
LIST_KINDS = {LIST, DEEP_LIST}


@dataclass(frozen=True)
class JobBudget:
    rate: float  # at reference speed
    times_faster: float
    peak_rss_mb: float | None = None

    def rate_at(self, fixed_work_ms: float | None) -> float:
        """The rate the job must reach on a machine that did the fixed work in `fixed_work_ms`."""
        return self.rate / speed_factor(fixed_work_ms)

    def describe(self, unit: str, fixed_work_ms: float | None = None) -> str:
        factor = speed_factor(fixed_work_ms)
        rate = f"≥ {self.rate_at(fixed_work_ms):,.0f} {unit}"
        if factor != 1:
            rate += f" ({self.rate:,.0f} ÷ {factor:.2f})"
        memory = f", worker < {self.peak_rss_mb:g} MB" if self.peak_rss_mb else ""
        return f"{rate}, ≥ {self.times_faster:g}× baseline{memory}"


# The tracker import checks every row and works out each ticket's SLA clocks, which the console's
# own CSV import (its baseline) does not: 20,000 rows in 20 s, at least a quarter of that rate.
JOB_BUDGETS = {"reprocess": JobBudget(5_000, 5, peak_rss_mb=300), "import": JobBudget(3_000, 5),
               "tracker_import": JobBudget(1_000, 0.25)}


def mean_fixed_work_ms(fixed_work: dict | None) -> float | None:
    """The machine-speed figure of a measurement (a page's timings, a job, a whole run): the mean
    of the fixed work timed just before it (`start`) and just after it (`end`)."""
    if not fixed_work:
        return None
    return round((fixed_work["start"] + fixed_work["end"]) / 2, 1)


def record_fixed_work_ms(record: dict, run_fixed_work_ms: float | None) -> float | None:
    """The figure that scales a record's budget: its own, from the fixed work timed around it,
    else the run's (a record measured before the run timed it around each page and job, or the
    generator's, which may come from an earlier run)."""
    return mean_fixed_work_ms(record.get("fixed_work_ms")) or run_fixed_work_ms


def speed_factor(fixed_work_ms: float | None) -> float:
    """How much the absolute budgets grow on this machine: 1 at reference speed or faster (or when
    the speed is unknown), else the fixed work's time over the reference's."""
    if fixed_work_ms is None or fixed_work_ms <= REFERENCE_FIXED_WORK_MS:
        return 1.0
    return fixed_work_ms / REFERENCE_FIXED_WORK_MS


def p95_budget_ms(kind: str, fixed_work_ms: float | None) -> float:
    """The p95 a page of `kind` may take on a machine that did the fixed work in `fixed_work_ms`."""
    return PAGE_P95_MS[kind] * speed_factor(fixed_work_ms)


def stock_is_expensive(record: dict) -> bool:
    """Whether the stock admin's page took long enough for the ratio to apply. A stock page that
    timed out or failed after a second or more counts: its time is a lower bound."""
    stock_p95 = record.get("baseline_p95_ms")
    return stock_p95 is not None and stock_p95 >= STOCK_EXPENSIVE_MS


def stock_is_comparable(record: dict) -> bool:
    """Whether the console's page may be judged by being no slower than the stock page: the stock
    page answered, in under STOCK_EXPENSIVE_MS."""
    stock_p95 = record.get("baseline_p95_ms")
    return (stock_p95 is not None and not stock_is_expensive(record) and not record.get("baseline_error")
            and not record.get("baseline_timed_out"))


def ratio_to_stock(record: dict) -> float | None:
    if record.get("ratio") is not None:
        return record["ratio"]
    if record.get("baseline_p95_ms") and record.get("p95_ms"):
        return record["baseline_p95_ms"] / record["p95_ms"]
    return None


def page_budget_text(record: dict, fixed_work_ms: float | None) -> str:
    """The budget that applies to this record, in words, as the table shows it."""
    budget = p95_budget_ms(record["kind"], fixed_work_ms)
    factor = speed_factor(fixed_work_ms)
    text = f"≤ {budget:.0f} ms" if factor == 1 else f"≤ {budget:.0f} ms ({PAGE_P95_MS[record['kind']]} × {factor:.2f})"
    if stock_is_expensive(record):
        text += f", ≥ {TIMES_FASTER_THAN_STOCK}×"
    elif stock_is_comparable(record):
        text += " or ≤ stock"
    if record["kind"] in LIST_KINDS:
        text += f", ≤ {LIST_PAGE_MAX_BYTES // 1000} KB"
    return text


def page_misses(record: dict, *, fixed_work_ms: float | None = None) -> list[str]:
    """What a page record misses of its budget, in words; empty when it holds. `fixed_work_ms` is
    the machine-speed figure (record_fixed_work_ms), which scales the absolute budgets."""
    if record.get("error"):
        return [record["error"]]
    misses = []
    budget = p95_budget_ms(record["kind"], fixed_work_ms)
    p95 = record["p95_ms"]
    if stock_is_expensive(record):
        if p95 > budget:
            misses.append(f"p95 {p95:.0f} > {budget:.0f} ms")
        ratio = ratio_to_stock(record)
        if ratio is not None and ratio < TIMES_FASTER_THAN_STOCK:
            misses.append(f"{ratio:.0f}× < {TIMES_FASTER_THAN_STOCK}×")
    elif stock_is_comparable(record):
        if p95 > budget and p95 > record["baseline_p95_ms"]:
            misses.append(f"p95 {p95:.0f} > {budget:.0f} ms and > stock {record['baseline_p95_ms']:.0f} ms")
    elif p95 > budget:
        misses.append(f"p95 {p95:.0f} > {budget:.0f} ms")
    queries = record.get("queries")
    if queries is not None and queries > MAX_QUERIES:
        misses.append(f"{queries} queries > {MAX_QUERIES}")
    other = record.get("queries_other_size")
    if queries is not None and other is not None and other != queries:
        misses.append(f"queries differ by size ({other} vs {queries})")
    size = record.get("bytes")
    if record["kind"] in LIST_KINDS and size is not None and size > LIST_PAGE_MAX_BYTES:
        misses.append(f"{size / 1000:.0f} KB > {LIST_PAGE_MAX_BYTES // 1000} KB")
    return misses


def generator_budget_seconds(fixed_work_ms: float | None) -> float:
    """The time the generator may take at the default size on a machine that did the fixed work
    in `fixed_work_ms`."""
    return GENERATOR_SECONDS * speed_factor(fixed_work_ms)


def job_budget_text(record: dict, fixed_work_ms: float | None) -> str:
    """The budget that applies to a job's record, in words, as the table shows it."""
    if record["kind"] == "generate":
        factor = speed_factor(fixed_work_ms)
        scaled = "" if factor == 1 else f" ({GENERATOR_SECONDS} × {factor:.2f})"
        return f"≤ {generator_budget_seconds(fixed_work_ms):,.0f} s{scaled} (default size)"
    return JOB_BUDGETS[record["kind"]].describe(record.get("unit", ""), fixed_work_ms)


def job_misses(record: dict, *, fixed_work_ms: float | None = None) -> list[str]:
    """What a job's record misses of its budget, in words; empty when it holds. `fixed_work_ms` is
    the run's machine-speed figure, which scales the generator's time and each job's rate."""
    if record.get("error"):
        return [record["error"]]
    if record["kind"] == "generate":
        allowed = generator_budget_seconds(fixed_work_ms)
        return [f"{record['seconds']:.0f} s > {allowed:.0f} s"] if record["seconds"] > allowed else []
    budget = JOB_BUDGETS[record["kind"]]
    misses = []
    rate = budget.rate_at(fixed_work_ms)
    if record["rate"] < rate:
        misses.append(f"{record['rate']:,.0f} < {rate:,.0f} {record['unit']}")
    if record["ratio"] < budget.times_faster:
        misses.append(f"{record['ratio']:.1f}× < {budget.times_faster:g}×")
    peak = record.get("worker_peak_rss_mb")
    if budget.peak_rss_mb and peak is not None and peak >= budget.peak_rss_mb:
        misses.append(f"worker {peak:.0f} MB ≥ {budget.peak_rss_mb:g} MB")
    return misses


def concurrency_level_misses(level: dict) -> list[str]:
    """A level of concurrent clients holds its budget when every request answered (200, or a
    redirect other than to the sign-in page) and at least one did."""
    if level["errors"]:
        examples = "; ".join(level.get("error_examples", [])[:2])
        return [f"{level['errors']} errors ({examples})" if examples else f"{level['errors']} errors"]
    if not level["requests"]:
        return ["no request answered"]
    return []


def concurrency_misses(record: dict) -> list[str]:
    if record.get("error"):
        return [record["error"]]
    misses = [f"warm-up: {record['warmup_errors']} errors"] if record.get("warmup_errors") else []
    for level in record["levels"]:
        misses += [f"{level['clients']} clients: {miss}" for miss in concurrency_level_misses(level)]
    return misses
