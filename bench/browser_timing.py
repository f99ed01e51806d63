"""Cold loads of list pages in headless Chromium: the console's page and the stock admin's page
for the same table, each load in a new browser context (an empty cache, no cookie but the
session's), as a person opening the console in the morning sees them.

    python -m bench.browser_timing --database opsconsole_bench_small    # prints the records as JSON

Each load reads, from the page's own Performance API and Chromium's DevTools metrics:
- the resources it fetched (the document not counted) and the bytes decoded (the document's too);
- the end of the DOMContentLoaded and of the load event, from the start of navigation;
- when it became interactive: the end of DOMContentLoaded or of the last long task (50 ms or more
  on the main thread, seen by a PerformanceObserver from the document's start), whichever is later,
  once the page has had no long task for half a second;
- the main thread's task time and style recalculation time (`Performance.getMetrics`).

A page's figures are the medians of its loads, after one load of each page that is not counted
(the server's first request in a worker compiles templates). The console's and the stock admin's
loads alternate, so a slow spell of the machine falls on both. The verdict: the console's cold
load ends no later than the stock admin's.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.database import PROJECT_DIR
from bench.environment import bench_environment
from bench.server import ConsoleServer

BROWSER_LOAD = "browser load"
# The lists whose cold loads are measured: the console's busiest lists.
BROWSER_PAGES = ("customers list", "items list")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
DEFAULT_LOADS = 5
QUIET_MS = 500
QUIET_WAIT_LIMIT_MS = 5000
LOAD_TIMEOUT_MS = 150_000

# Runs before any of the page's own scripts, so no long task of the page is missed.
LONG_TASK_OBSERVER = """
window.__benchLongTasks = [];
new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__benchLongTasks.push([entry.startTime, entry.duration]);
}).observe({type: "longtask", buffered: true});
"""

# Resolves once the page has been quiet (no long task, load event over) for `quietMs`, or after `limitMs`.
WAIT_UNTIL_QUIET = """async ([quietMs, limitMs]) => {
    const navigation = performance.getEntriesByType("navigation")[0];
    const lastBusy = () => Math.max(navigation.loadEventEnd,
        ...window.__benchLongTasks.map(([start, duration]) => start + duration));
    while (performance.now() - lastBusy() < quietMs && performance.now() < limitMs) {
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}"""

PAGE_TIMINGS = """() => {
    const navigation = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    const tasks = window.__benchLongTasks;
    const total = (entries, key) => entries.reduce((sum, entry) => sum + entry[key], 0);
    const lastTaskEnd = Math.max(0, ...tasks.map(([start, duration]) => start + duration));
    return {
        resources: resources.length,
        decoded_bytes: navigation.decodedBodySize + total(resources, "decodedBodySize"),
        transferred_bytes: navigation.transferSize + total(resources, "transferSize"),
        first_byte_ms: navigation.responseStart - navigation.requestStart,
        dom_content_loaded_ms: navigation.domContentLoadedEventEnd,
        load_ms: navigation.loadEventEnd,
        interactive_ms: Math.max(navigation.domContentLoadedEventEnd, lastTaskEnd),
        long_tasks: tasks.length,
        long_task_ms: tasks.reduce((sum, [, duration]) => sum + duration, 0),
        resource_names: resources.map((entry) => new URL(entry.name).pathname),
    };
}"""

# Chromium's own counters (seconds), as DevTools' Performance panel sums them.
DEVTOOLS_METRICS = {"TaskDuration": "task_ms", "RecalcStyleDuration": "style_ms", "ScriptDuration": "script_ms",
                    "LayoutDuration": "layout_ms"}
MEDIAN_FIELDS = ("resources", "decoded_bytes", "transferred_bytes", "first_byte_ms", "dom_content_loaded_ms",
                 "load_ms", "interactive_ms", "long_tasks", "long_task_ms", *DEVTOOLS_METRICS.values())


def cold_load(browser, url: str, cookie: dict) -> dict:
    """One load of `url` in a new context holding only the session `cookie`: its figures."""
    context = browser.new_context()
    try:
        context.add_cookies([cookie])
        context.add_init_script(LONG_TASK_OBSERVER)
        page = context.new_page()
        devtools = context.new_cdp_session(page)
        devtools.send("Performance.enable")
        response = page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT_MS)
        if response is None or response.status != 200 or response.url != url:
            status = response.status if response else "no response"
            raise RuntimeError(f"{url}: HTTP {status}, ended at {response.url if response else '–'}")
        page.evaluate(WAIT_UNTIL_QUIET, [QUIET_MS, QUIET_WAIT_LIMIT_MS])
        figures = page.evaluate(PAGE_TIMINGS)
        metrics = {metric["name"]: metric["value"] for metric in devtools.send("Performance.getMetrics")["metrics"]}
        figures.update({name: round(metrics.get(devtools_name, 0) * 1000, 1)
                        for devtools_name, name in DEVTOOLS_METRICS.items()})
        return figures
    finally:
        context.close()


def medians(loads: list[dict]) -> dict:
    """The median of each figure over the loads, and what the last load fetched."""
    summary = {field: round(statistics.median(load[field] for load in loads), 1) for field in MEDIAN_FIELDS}
    summary["load_samples_ms"] = [round(load["load_ms"], 1) for load in loads]
    summary["resource_names"] = loads[-1]["resource_names"]
    return summary


def collect_static(database: str, static_root: Path) -> None:
    """Collect and compress the static files into `static_root`, as a deployment does."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=PROJECT_DIR,
                   env=bench_environment(database, BENCH_STATIC_ROOT=str(static_root)), check=True)


def browser_loads(database: str, listing: dict, server_records: list[dict], *, loads: int,
                  log_dir: Path) -> list[dict]:
    """A record per page of BROWSER_PAGES in `listing` (bench/pages.py's output): the console's
    and the stock admin's medians over `loads` cold loads each, beside the server's p50 of the
    same pages from `server_records`. Without Chromium or Playwright each record carries the error."""
    pages = [page for page in listing["pages"] if page["name"] in BROWSER_PAGES]
    server = {record["name"]: record for record in server_records}
    records = [{"name": f"{page['name']}, cold browser load", "kind": BROWSER_LOAD, "url": page["console_url"],
                "baseline_url": page["stock_url"], "loads": loads,
                "server_p50_ms": server.get(page["name"], {}).get("p50_ms"),
                "baseline_server_p50_ms": server.get(page["name"], {}).get("baseline_p50_ms")} for page in pages]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [{**record, "error": "Playwright is not installed"} for record in records]
    if not CHROMIUM.exists():
        return [{**record, "error": f"no Chromium at {CHROMIUM}"} for record in records]
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-", dir=log_dir))
    try:
        collect_static(database, static_root)
        with ConsoleServer(database, log_dir / "gunicorn-browser.log", BENCH_STATIC_ROOT=str(static_root)) as server, \
                sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            base_url = f"http://127.0.0.1:{server.port}"
            cookies = {side: {"name": listing["cookie_name"], "value": listing["sessions"][side], "url": base_url}
                       for side in ("console", "stock")}
            for page, record in zip(pages, records):
                urls = {"console": base_url + page["console_url"], "stock": base_url + page["stock_url"]}
                samples = {"console": [], "stock": []}
                try:
                    for load in range(loads + 1):
                        for side in ("console", "stock"):
                            figures = cold_load(browser, urls[side], cookies[side])
                            if load:  # the first load of each page warms the server, not the browser
                                samples[side].append(figures)
                except Exception as error:  # a page that fails is reported, the others still measured
                    record["error"] = f"{type(error).__name__}: {error}"
                    continue
                record["console"], record["stock"] = medians(samples["console"]), medians(samples["stock"])
            browser.close()
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    return records


def browser_misses(record: dict) -> list[str]:
    """The verdict in words, empty when the console's cold load ends no later than the stock admin's."""
    if record.get("error"):
        return [record["error"]]
    console, stock = record["console"]["load_ms"], record["stock"]["load_ms"]
    return [f"load {console:,.0f} > stock {stock:,.0f} ms"] if console > stock else []


def markdown_rows(records: list[dict]) -> list[str]:
    """The table of the cold loads, console / stock in each cell, for bench/results.py."""
    if not records:
        return []

    def pair(record: dict, field: str, scale: float = 1) -> str:
        if record.get("error"):
            return "–"
        return f"{record['console'][field] / scale:,.0f} / {record['stock'][field] / scale:,.0f}"

    def server(record: dict) -> str:
        values = (record.get("server_p50_ms"), record.get("baseline_server_p50_ms"))
        return " / ".join("–" if value is None else f"{value:,.0f}" for value in values)

    lines = [
        "", f"Cold loads in headless Chromium, console / stock: the median of {records[0]['loads']} loads each, "
        "each in a new browser context (bench/browser_timing.py); milliseconds from the start of navigation; "
        "server p50 from the timed requests above.", "",
        "| page | server p50 ms | resources | KB decoded | DOMContentLoaded ms | load ms | interactive ms "
        "| main-thread tasks ms | style ms | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for record in records:
        verdict = "; ".join(record["misses"]) or "ok"
        lines.append(f"| {record['name']} | {server(record)} | {pair(record, 'resources')} "
                     f"| {pair(record, 'decoded_bytes', 1000)} | {pair(record, 'dom_content_loaded_ms')} "
                     f"| {pair(record, 'load_ms')} | {pair(record, 'interactive_ms')} | {pair(record, 'task_ms')} "
                     f"| {pair(record, 'style_ms')} | {verdict} |")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Cold browser loads of the console's lists against stock admin's.")
    parser.add_argument("--database", required=True)
    parser.add_argument("--loads", type=int, default=DEFAULT_LOADS)
    arguments = parser.parse_args(argv)
    listing = json.loads(subprocess.run(
        [sys.executable, "-m", "bench.pages", "--database", arguments.database], cwd=PROJECT_DIR,
        env=bench_environment(arguments.database), stdout=subprocess.PIPE, text=True, check=True,
    ).stdout.strip().splitlines()[-1])
    with tempfile.TemporaryDirectory(prefix="bench-") as log_dir:
        records = browser_loads(arguments.database, listing, [], loads=arguments.loads, log_dir=Path(log_dir))
    for record in records:
        record["misses"] = browser_misses(record)
    print(json.dumps(records, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
