"""The whole benchmark: generate, time every page against the stock admin and weigh it, load the
lists cold in headless Chromium against the stock admin's (bench/browser_timing.py), run
concurrent clients (bench/concurrency.py), count queries at a second size, run the reprocess and
import jobs, write the results.

    python -m bench.run                  # the default size (what `make bench` runs)
    python -m bench.run --scale small    # a quick run (`make bench SCALE=small`), a few minutes

Each step that needs Django runs as its own process on its own database (bench/generate.py,
bench/pages.py, bench/reprocess.py, bench/ticket_import.py); this one only orchestrates and
times pages from the outside, as a browser would.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.browser_timing import DEFAULT_LOADS, browser_loads
from bench.budgets import mean_fixed_work_ms
from bench.bulk_load import log
from bench.concurrency import CLIENT_COUNTS, concurrency_benchmark
from bench.database import PROJECT_DIR, connect, migrated_like_the_code
from bench.environment import bench_environment
from bench.generate import generated_dataset
from bench.http_timing import Client, PageTiming, PageWeight, measure, page_weight
from bench.machine_speed import fixed_work_ms
from bench.results import SUMMARY_TABLES, machine, markdown, results_write, today, with_verdicts
from bench.server import WORKERS, ConsoleServer
from bench.sizes import Size, size_named

WARMUPS = 3
CONSOLE_PAGE_BUDGET_SECONDS = 60
STOCK_TIMEOUT_SECONDS = 120
STOCK_PAGE_BUDGET_SECONDS = 300
DEFAULT_RESULTS_DIR = PROJECT_DIR / "bench" / "results"


def django_step(module: str, database: str, *arguments: str) -> dict:
    """Run `python -m bench.<module>` on `database`; its last line of output is a JSON record."""
    if module != "generate":
        arguments = ("--database", database, *arguments)
    completed = subprocess.run([sys.executable, "-m", f"bench.{module}", *arguments], cwd=PROJECT_DIR,
                               env=bench_environment(database), stdout=subprocess.PIPE, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"bench.{module} failed with exit status {completed.returncode}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def dataset(size: Size, *, reuse: bool) -> dict:
    existing = generated_dataset(size.database_name) if reuse else None
    if existing and existing["factor"] == size.factor and migrated_like_the_code(size.database_name):
        log(f"Reusing {size.database_name}, generated in {existing['seconds']:.0f} s")
        return {**existing, "reused": True}
    return django_step("generate", size.database_name, "--scale", size.scale_argument)


def other_size(size: Size) -> Size:
    """The second size queries are counted at: small, or medium when the run itself is small."""
    return size_named("medium" if size.name == "small" else "small")


def page_record(page: dict, console: PageTiming, stock: PageTiming | None, weight: PageWeight | None = None) -> dict:
    record = {
        "name": page["name"], "kind": page["kind"], "url": page["console_url"], "p50_ms": console.p50,
        "p95_ms": console.p95, "samples": len(console.samples_ms), "statuses": sorted(set(console.statuses)),
        "queries": console.queries, "query_ms": console.query_ms, "bytes": console.size,
    }
    if weight is not None:
        record.update(bytes=weight.bytes, gzip_bytes=weight.gzip_bytes)
    if not console.ok:
        record["error"] = console.error or ("timed out" if console.timed_out else f"HTTP {console.statuses}")
    if stock is not None:
        record.update({
            "baseline_url": page["stock_url"], "baseline_p50_ms": stock.p50, "baseline_p95_ms": stock.p95,
            "baseline_samples": len(stock.samples_ms), "baseline_timed_out": stock.timed_out,
            "baseline_queries": stock.queries, "baseline_bytes": stock.size,
        })
        if not stock.ok and not stock.timed_out:
            record["baseline_error"] = stock.error or f"HTTP {sorted(set(stock.statuses))}"
        if console.p95 and stock.p95:
            record["ratio"] = round(stock.p95 / console.p95, 1)
            record["ratio_is_lower_bound"] = stock.timed_out or bool(record.get("baseline_error"))
    return record


def pages_benchmark(size: Size, *, samples: int, stock_samples: int, log_dir: Path) -> list[dict]:
    """Each console page timed and weighed, then its stock page timed right after it, so that the
    two meet the same spell of the machine; the fixed work is timed just before and just after
    the console's page, whose budget it scales (bench/budgets.py)."""
    listing = django_step("pages", size.database_name)
    cookie = listing["cookie_name"]
    records = []
    with ConsoleServer(size.database_name, log_dir / "gunicorn.log") as server:
        console_client = Client(server.port, cookie=f"{cookie}={listing['sessions']['console']}")
        stock_client = Client(server.port, cookie=f"{cookie}={listing['sessions']['stock']}")
        for page in listing["pages"]:
            speed_before = fixed_work_ms()
            console = measure(console_client, page["console_url"], warmups=WARMUPS, samples=samples,
                              timeout=STOCK_TIMEOUT_SECONDS, budget_seconds=CONSOLE_PAGE_BUDGET_SECONDS)
            speed = {"start": speed_before, "end": fixed_work_ms()}
            weight = page_weight(console_client, page["console_url"], timeout=STOCK_TIMEOUT_SECONDS)
            stock = measure(stock_client, page["stock_url"], warmups=1, samples=stock_samples,
                            timeout=STOCK_TIMEOUT_SECONDS, budget_seconds=STOCK_PAGE_BUDGET_SECONDS)
            log(f"  {page['name']}: p95 {_ms(console.p95)}, {console.queries} queries, fixed work "
                f"{speed['start']:g}/{speed['end']:g} ms; stock p95 {_ms(stock.p95)}"
                f"{' (timed out)' if stock.timed_out else ''}")
            records.append({**page_record(page, console, stock, weight), "fixed_work_ms": speed})
    return records


def concurrent_clients(size: Size, *, seconds: float, log_dir: Path) -> dict:
    """The closed-loop run of bench/concurrency.py over every console page of the benchmark."""
    try:
        listing = django_step("pages", size.database_name, "--client-sessions", str(max(CLIENT_COUNTS)))
        return concurrency_benchmark(size.database_name, urls=[page["console_url"] for page in listing["pages"]],
                                     cookie_name=listing["cookie_name"], sessions=listing["client_sessions"],
                                     seconds=seconds, log_path=log_dir / "gunicorn-concurrency.log")
    except RuntimeError as error:
        return {"name": "concurrent clients", "kind": "concurrency", "error": str(error), "levels": []}


def query_counts(size: Size, *, log_dir: Path) -> dict[str, int | None]:
    """Each console page's query count in another database: what most of 5 samples ran, after 3
    warm-up requests. A single sample could land on a worker that has not served the page yet and
    still fills its per-process caches, or on the minute the session's expiry moves on."""
    listing = django_step("pages", size.database_name)
    counts = {}
    with ConsoleServer(size.database_name, log_dir / f"gunicorn-{size.name}.log") as server:
        client = Client(server.port, cookie=f"{listing['cookie_name']}={listing['sessions']['console']}")
        for page in listing["pages"]:
            timing = measure(client, page["console_url"], warmups=3, samples=5, timeout=STOCK_TIMEOUT_SECONDS,
                             budget_seconds=CONSOLE_PAGE_BUDGET_SECONDS)
            counts[page["name"]] = timing.queries
    return counts


def _ms(value) -> str:
    return "–" if value is None else f"{value:.1f} ms"


def job(module: str, database: str, name: str, kind: str, *arguments: str) -> dict:
    """The job's record, with the fixed work timed just before and just after it."""
    speed_before = fixed_work_ms()
    try:
        record = django_step(module, database, *arguments)
    except (RuntimeError, ValueError) as error:
        record = {"name": name, "kind": kind, "error": str(error), "rate": None, "baseline_rate": None, "ratio": None}
    return {**record, "fixed_work_ms": {"start": speed_before, "end": fixed_work_ms()}}


def postgres_version(database: str) -> str:
    with connect(database) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def run(size: Size, *, results_dir: Path, samples: int, stock_samples: int, reuse: bool,
        concurrency_seconds: float, browser_loads_per_page: int = DEFAULT_LOADS) -> list[dict]:
    started = time.monotonic()
    speed_at_start = fixed_work_ms()
    second = other_size(size)
    with tempfile.TemporaryDirectory(prefix="bench-") as temporary:
        log_dir = Path(temporary)
        made = dataset(size, reuse=reuse)
        dataset(second, reuse=True)  # where the queries are counted at a second size
        log(f"Timing pages on {size.database_name}")
        records = pages_benchmark(size, samples=samples, stock_samples=stock_samples, log_dir=log_dir)
        log("Cold loads of the lists in headless Chromium")
        records += browser_loads(size.database_name, django_step("pages", size.database_name), records,
                                 loads=browser_loads_per_page, log_dir=log_dir)
        log(f"Concurrent clients ({', '.join(map(str, CLIENT_COUNTS))}) on {size.database_name}")
        records.append(concurrent_clients(size, seconds=concurrency_seconds, log_dir=log_dir))
        log(f"Counting queries on {second.database_name}")
        counts = query_counts(second, log_dir=log_dir)
        for record in records:
            record["queries_other_size"] = counts.get(record["name"])
            record["other_size"] = second.name
        log("Reprocess job")
        records.append(job("reprocess", size.database_name, "batch reprocess", "reprocess",
                           "--entries", str(size.count("reprocess_entries")),
                           "--baseline-entries", str(max(1_000, size.count("reprocess_entries") // 200)),
                           "--log-dir", str(log_dir)))
        log("Import job")
        records.append(job("ticket_import", size.database_name, "ticket import", "import",
                           "--rows", str(size.count("import_rows"))))
        log("Tracker import job")
        records.append(job("tracker_import", size.database_name, "tracker import", "tracker_import",
                           "--rows", str(size.count("import_rows"))))
    records.append({"name": f"generate {made['size']}", "kind": "generate", "seconds": made["seconds"],
                    "reused": made.get("reused", False), "counts": made["counts"]})
    fixed_work = {"start": speed_at_start, "end": fixed_work_ms()}
    records = with_verdicts(records, fixed_work_ms=mean_fixed_work_ms(fixed_work))
    counts = made["counts"]
    run_info = {
        "date": today(), "size": size.name, "factor": size.factor, "other_size": second.name,
        "machine": machine(), "postgres": postgres_version(size.database_name),
        "fixed_work_ms": fixed_work,
        "counts_summary": ", ".join(f"{counts[table]:,} {table.split('_', 1)[1]}" for table in SUMMARY_TABLES
                                    if table in counts),
        "samples": samples, "warmups": WARMUPS, "stock_samples": stock_samples,
        "stock_timeout_s": STOCK_TIMEOUT_SECONDS, "server": f"{WORKERS} sync workers, DEBUG off",
        "seconds": round(time.monotonic() - started),
    }
    json_path, markdown_path = results_write(results_dir, run_info, records)
    print(markdown(run_info, records))
    log(f"Wrote {json_path} and {markdown_path} in {run_info['seconds']} s")
    return records


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Run the benchmark and write bench/results/<date>.json and .md.")
    parser.add_argument("--scale", default="default", help="small, medium, default, or a factor such as 0.1")
    parser.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS_DIR)
    parser.add_argument("--samples", type=int, default=None, help="timed requests per console page")
    parser.add_argument("--stock-samples", type=int, default=3, help="timed requests per stock admin page, at most")
    parser.add_argument("--concurrency-seconds", type=float, default=None,
                        help="seconds each level of concurrent clients runs (20 at the default size, else 5)")
    parser.add_argument("--browser-loads", type=int, default=DEFAULT_LOADS,
                        help=f"cold loads of each list in Chromium, each side (default {DEFAULT_LOADS})")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the size's database when it already holds a generated dataset of that size")
    arguments = parser.parse_args(argv)
    try:
        size = size_named(arguments.scale)
    except ValueError as error:
        parser.error(str(error))
    # A nearest-rank p95 of 30 requests is their second slowest: one slow spell of the machine
    # decides it. Of 100 it is the fifth slowest, and still only a few seconds a page.
    samples = arguments.samples or (100 if size.name == "default" else 20)
    concurrency_seconds = arguments.concurrency_seconds or (20 if size.name == "default" else 5)
    run(size, results_dir=arguments.results_dir, samples=samples, stock_samples=arguments.stock_samples,
        reuse=arguments.reuse, concurrency_seconds=concurrency_seconds, browser_loads_per_page=arguments.browser_loads)


if __name__ == "__main__":
    main()
