"""The benchmark's verdicts: absolute budgets scaled to the machine's speed, the ratio to the stock
admin only where the stock page takes a second or more, query counts, list pages' weight, and the
concurrent clients' errors."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bench.budgets import (
    GENERATOR_SECONDS,
    JOB_BUDGETS,
    LIST_PAGE_MAX_BYTES,
    PAGE_P95_MS,
    REFERENCE_FIXED_WORK_MS,
    STOCK_EXPENSIVE_MS,
    concurrency_misses,
    job_budget_text,
    job_misses,
    mean_fixed_work_ms,
    p95_budget_ms,
    page_budget_text,
    page_misses,
    speed_factor,
)
from bench.pages import DEEP_LIST, DETAIL, EXACT_SEARCH, LIST, PARTIAL_SEARCH
from bench.results import with_verdicts

kinds = st.sampled_from(sorted(PAGE_P95_MS))
page_times = st.floats(min_value=0.5, max_value=100_000, allow_nan=False)
cheap_stock_times = st.floats(min_value=0.5, max_value=STOCK_EXPENSIVE_MS, exclude_max=True, allow_nan=False)
expensive_stock_times = st.floats(min_value=STOCK_EXPENSIVE_MS, max_value=200_000, allow_nan=False)
fixed_work_times = st.one_of(st.none(), st.floats(min_value=10, max_value=500, allow_nan=False))


def page(kind: str, p95_ms: float, stock_p95_ms: float | None = None, **fields) -> dict:
    """A page record as bench/run.py writes it, holding every budget but time unless told."""
    record = {"name": "a page", "kind": kind, "p95_ms": p95_ms, "queries": 5, "queries_other_size": 5,
              "bytes": 100_000}
    if stock_p95_ms is not None:
        record["baseline_p95_ms"] = stock_p95_ms
    return {**record, **fields}


@given(kind=kinds, p95=page_times, stock=cheap_stock_times, fixed_work=fixed_work_times)
def test_under_a_second_of_stock_a_page_holds_within_its_budget_or_no_slower_than_stock(kind, p95, stock, fixed_work):
    misses = page_misses(page(kind, p95, stock), fixed_work_ms=fixed_work)
    assert (misses == []) == (p95 <= p95_budget_ms(kind, fixed_work) or p95 <= stock)


@given(kind=kinds, stock=cheap_stock_times, share=st.floats(min_value=0.001, max_value=1),
       ratio=st.floats(min_value=0, max_value=39.9))
def test_a_page_never_misses_for_its_ratio_when_the_stock_page_takes_under_a_second(kind, stock, share, ratio):
    assert page_misses(page(kind, stock * share, stock, ratio=ratio)) == []


@given(kind=kinds, p95=page_times, stock=expensive_stock_times, fixed_work=fixed_work_times)
def test_from_a_second_of_stock_a_page_needs_its_budget_and_forty_times_the_stock_speed(kind, p95, stock, fixed_work):
    misses = page_misses(page(kind, p95, stock), fixed_work_ms=fixed_work)
    assert (misses == []) == (p95 <= p95_budget_ms(kind, fixed_work) and stock / p95 >= 40)


@pytest.mark.parametrize("kind", [LIST, DEEP_LIST, DETAIL, EXACT_SEARCH, PARTIAL_SEARCH])
def test_every_kind_of_page_needs_the_same_forty_times(kind):
    # On a machine four times slower every page's budget is above 50 ms.
    slow_machine = 4 * REFERENCE_FIXED_WORK_MS
    assert page_misses(page(kind, 50, 2_000), fixed_work_ms=slow_machine) == []
    assert page_misses(page(kind, 50, 1_950), fixed_work_ms=slow_machine) == ["39× < 40×"]


def test_a_stock_page_that_timed_out_or_failed_slowly_still_sets_the_ratio():
    assert page_misses(page(DETAIL, 30, 120_000, baseline_timed_out=True, ratio=4_000.0)) == []
    assert page_misses(page(DETAIL, 30, 1_050, baseline_error="HTTP 500")) == ["35× < 40×"]


def test_a_stock_page_that_failed_fast_leaves_only_the_absolute_budget():
    assert page_misses(page(DETAIL, 45, 50, baseline_error="HTTP 500")) == ["p95 45 > 40 ms"]
    assert page_misses(page(DETAIL, 45)) == ["p95 45 > 40 ms"]


def test_a_cheap_stock_page_faster_than_the_console_page_beyond_its_budget_is_a_miss():
    assert page_misses(page(DETAIL, 52, 24)) == ["p95 52 > 40 ms and > stock 24 ms"]


@given(fixed_work=st.floats(min_value=0, max_value=REFERENCE_FIXED_WORK_MS))
def test_at_reference_speed_or_faster_the_budgets_hold_as_stated(fixed_work):
    assert speed_factor(fixed_work) == 1
    assert all(p95_budget_ms(kind, fixed_work) == PAGE_P95_MS[kind] for kind in PAGE_P95_MS)


def test_on_a_machine_twice_as_slow_each_absolute_budget_doubles():
    assert p95_budget_ms(LIST, 2 * REFERENCE_FIXED_WORK_MS) == 120
    assert p95_budget_ms(EXACT_SEARCH, 2 * REFERENCE_FIXED_WORK_MS) == 30


@given(kind=kinds, p95=page_times, stock=st.one_of(st.none(), cheap_stock_times, expensive_stock_times),
       faster=st.floats(min_value=1, max_value=500), slower=st.floats(min_value=1, max_value=500))
def test_scaling_is_monotone_a_page_that_holds_on_a_machine_holds_on_a_slower_one(kind, p95, stock, faster, slower):
    assume(faster <= slower)
    assert p95_budget_ms(kind, faster) <= p95_budget_ms(kind, slower)
    record = page(kind, p95, stock)
    if page_misses(record, fixed_work_ms=faster) == []:
        assert page_misses(record, fixed_work_ms=slower) == []


def test_the_table_shows_the_scaled_budget_and_the_rule_that_applied():
    assert page_budget_text(page(LIST, 50, 2_000), 78) == "≤ 72 ms (60 × 1.20), ≥ 40×, ≤ 150 KB"
    assert page_budget_text(page(DETAIL, 50, 30), 60) == "≤ 40 ms or ≤ stock"
    assert page_budget_text(page(EXACT_SEARCH, 5), None) == "≤ 15 ms"


def job(kind: str, rate: float) -> dict:
    """A job record as bench/run.py writes it, holding every budget but its rate."""
    budget = JOB_BUDGETS[kind]
    return {"name": "a job", "kind": kind, "rate": rate, "unit": "rows/s", "ratio": budget.times_faster}


def test_on_a_machine_twice_as_slow_a_job_needs_half_the_rate_and_the_generator_twice_the_time():
    slow = 2 * REFERENCE_FIXED_WORK_MS
    assert job_misses(job("import", 1_600), fixed_work_ms=slow) == []
    assert job_misses(job("import", 1_400), fixed_work_ms=slow) == ["1,400 < 1,500 rows/s"]
    assert job_misses(job("import", 2_900), fixed_work_ms=REFERENCE_FIXED_WORK_MS) == ["2,900 < 3,000 rows/s"]
    generated = {"name": "generate", "kind": "generate", "seconds": 1.5 * GENERATOR_SECONDS}
    assert job_misses(generated, fixed_work_ms=slow) == []
    assert job_misses(generated, fixed_work_ms=None) == [f"{1.5 * GENERATOR_SECONDS:.0f} s > {GENERATOR_SECONDS} s"]


@given(kind=st.sampled_from(sorted(JOB_BUDGETS)), rate=st.floats(min_value=1, max_value=100_000),
       faster=st.floats(min_value=1, max_value=500), slower=st.floats(min_value=1, max_value=500))
def test_a_job_that_holds_its_rate_on_a_machine_holds_it_on_a_slower_one(kind, rate, faster, slower):
    assume(faster <= slower)
    if job_misses(job(kind, rate), fixed_work_ms=faster) == []:
        assert job_misses(job(kind, rate), fixed_work_ms=slower) == []


def test_the_jobs_table_shows_the_scaled_rate_and_time():
    assert job_budget_text(job("import", 1), 130) == "≥ 1,500 rows/s (3,000 ÷ 2.00), ≥ 5× baseline"
    assert job_budget_text(job("import", 1), 60) == "≥ 3,000 rows/s, ≥ 5× baseline"
    scaled = f"≤ {1.5 * GENERATOR_SECONDS:,.0f} s ({GENERATOR_SECONDS} × 1.50) (default size)"
    assert job_budget_text({"kind": "generate"}, 97.5) == scaled


def test_a_speed_figure_is_the_mean_of_the_fixed_work_before_and_after():
    assert mean_fixed_work_ms({"start": 76.3, "end": 72.1}) == 74.2
    assert mean_fixed_work_ms(None) is None


timed_around = st.fixed_dictionaries({"start": st.floats(min_value=10, max_value=500, allow_nan=False),
                                      "end": st.floats(min_value=10, max_value=500, allow_nan=False)})


@given(kind=kinds, p95=page_times, stock=st.one_of(cheap_stock_times, expensive_stock_times),
       own=timed_around, run_figure=fixed_work_times)
def test_a_page_is_judged_by_the_speed_timed_around_it_not_the_runs(kind, p95, stock, own, run_figure):
    [judged] = with_verdicts([page(kind, p95, stock, fixed_work_ms=own)], fixed_work_ms=run_figure)
    assert judged["misses"] == page_misses(page(kind, p95, stock), fixed_work_ms=mean_fixed_work_ms(own))
    assert judged["budget"] == page_budget_text(page(kind, p95, stock), mean_fixed_work_ms(own))


@given(kind=kinds, p95=page_times, run_figure=fixed_work_times)
def test_a_page_without_its_own_speed_is_judged_by_the_runs(kind, p95, run_figure):
    [judged] = with_verdicts([page(kind, p95)], fixed_work_ms=run_figure)
    assert judged["misses"] == page_misses(page(kind, p95), fixed_work_ms=run_figure)


@given(rate=st.floats(min_value=1, max_value=100_000, allow_nan=False), own=timed_around,
       run_figure=fixed_work_times)
def test_a_job_is_judged_by_the_speed_timed_around_it(rate, own, run_figure):
    [judged] = with_verdicts([{**job("import", rate), "fixed_work_ms": own}], fixed_work_ms=run_figure)
    assert judged["misses"] == job_misses(job("import", rate), fixed_work_ms=mean_fixed_work_ms(own))


def test_a_slow_spell_around_one_page_scales_only_that_pages_budget():
    slow, quick = {"start": 130, "end": 130}, {"start": 60, "end": 62}
    judged = with_verdicts([page(DETAIL, 70, fixed_work_ms=slow), page(DETAIL, 70, fixed_work_ms=quick)],
                           fixed_work_ms=65)
    assert [record["misses"] for record in judged] == [[], ["p95 70 > 40 ms"]]
    assert judged[0]["budget"] == "≤ 80 ms (40 × 2.00)"


def test_queries_are_at_most_ten_and_the_same_at_both_sizes():
    assert page_misses(page(DETAIL, 10, queries=11, queries_other_size=11)) == ["11 queries > 10"]
    assert page_misses(page(DETAIL, 10, queries=6, queries_other_size=7)) == ["queries differ by size (7 vs 6)"]


def test_a_list_page_weighs_at_most_150_kb_before_compression():
    assert page_misses(page(LIST, 10, bytes=LIST_PAGE_MAX_BYTES)) == []
    assert page_misses(page(DEEP_LIST, 10, bytes=545_516)) == ["546 KB > 150 KB"]
    assert page_misses(page(DETAIL, 10, bytes=545_516)) == []


def concurrency_record(*errors: int, warmup_errors: int = 0) -> dict:
    return {"kind": "concurrency", "warmup_errors": warmup_errors, "levels": [
        {"clients": clients, "requests": 100, "errors": count, "error_examples": ["/items/: HTTP 500"] * count}
        for clients, count in zip((1, 4, 16), errors)
    ]}


def test_concurrent_clients_hold_their_budget_only_without_a_single_error():
    assert concurrency_misses(concurrency_record(0, 0, 0)) == []
    assert concurrency_misses(concurrency_record(0, 0, 1)) == ["16 clients: 1 errors (/items/: HTTP 500)"]
    assert concurrency_misses(concurrency_record(0, 0, 0, warmup_errors=2)) == ["warm-up: 2 errors"]


def test_a_level_where_nothing_answered_is_a_miss():
    record = concurrency_record(0)
    record["levels"][0]["requests"] = 0
    assert concurrency_misses(record) == ["1 clients: no request answered"]
