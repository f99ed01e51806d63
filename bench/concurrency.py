"""Many people at once: a closed-loop run of 1, 4 and 16 signed-in clients against the console.

Each client is a thread with a session of its own (the ops lead, signed in as in bench/pages.py).
It requests the console's pages of the benchmark (lists, deep pages, details, searches) one after
the other, starting at a different page from the others, each request sent as soon as the last
one has been read, until the level's time is up; a request under way then is still counted.
Requests accept gzip, as a browser's do. A level reports how many requests were answered per
second (all clients together, over the time until the last one was read), the p50 and p95 of
their times, and its errors: any status but 200 or a redirect, a redirect to the sign-in page,
or a connection that failed. The server is gunicorn with as many sync workers as
docker-compose.yml's web service, warmed first by one pass over the pages per worker.
"""

import http.client
import math
import threading
import time
from dataclasses import dataclass, field

from bench.budgets import concurrency_level_misses
from bench.http_timing import Client
from bench.server import ConsoleServer

CLIENT_COUNTS = (1, 4, 16)
# Workers of the production web service (docker-compose.yml, `gunicorn … --workers 4`).
PRODUCTION_WORKERS = 4
REQUEST_TIMEOUT_SECONDS = 60
ANSWERED_STATUSES = {200, 302}
KEPT_ERROR_EXAMPLES = 3


@dataclass
class LevelOutcome:
    """What the clients of one level came to, all together."""

    clients: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, latency_ms: float | None, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies_ms.append(latency_ms)
                return
            self.errors += 1
            if len(self.error_examples) < KEPT_ERROR_EXAMPLES:
                self.error_examples.append(error)

    def percentile(self, fraction: float) -> float | None:
        """Nearest-rank percentile of the answered requests' times."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]

    def record(self) -> dict:
        answered = len(self.latencies_ms)
        p50, p95 = self.percentile(0.50), self.percentile(0.95)
        return {
            "clients": self.clients, "seconds": round(self.seconds, 2), "requests": answered,
            "requests_per_second": round(answered / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": None if p50 is None else round(p50, 1), "p95_ms": None if p95 is None else round(p95, 1),
            "errors": self.errors, "error_examples": self.error_examples,
        }


def request_outcome(client: Client, url: str) -> tuple[float | None, str | None]:
    """One request's time in milliseconds, or why it counts as an error."""
    try:
        response = client.get(url, timeout=REQUEST_TIMEOUT_SECONDS, accept_gzip=True)
    except (OSError, http.client.HTTPException) as error:
        return None, f"{url}: {type(error).__name__}: {error}"
    if response.status not in ANSWERED_STATUSES:
        return None, f"{url}: HTTP {response.status}"
    if "login" in response.location:
        return None, f"{url}: redirected to the sign-in page"
    return response.milliseconds, None


def client_loop(client: Client, urls: list[str], first: int, outcome: LevelOutcome, *, deadline: float | None,
                passes: int | None = None) -> None:
    """Request `urls` in turn from index `first`, back to back, until `deadline` (a monotonic
    time) or, without one, for `passes` passes over them."""
    requests = 0
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            return
        if deadline is None and requests >= passes * len(urls):
            return
        outcome.add(*request_outcome(client, urls[(first + requests) % len(urls)]))
        requests += 1


def level_run(clients: list[Client], urls: list[str], *, seconds: float | None,
              passes: int | None = None) -> LevelOutcome:
    """Run `clients` at once, spread over `urls`, for `seconds` (or `passes` over the pages)."""
    outcome = LevelOutcome(len(clients))
    started = time.monotonic()
    deadline = None if seconds is None else started + seconds
    threads = [threading.Thread(target=client_loop, args=(client, urls, index * len(urls) // len(clients), outcome),
                                kwargs={"deadline": deadline, "passes": passes}, daemon=True)
               for index, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.seconds = time.monotonic() - started
    return outcome


def concurrency_benchmark(database: str, *, urls: list[str], cookie_name: str, sessions: list[str],
                          seconds: float, log_path, client_counts=CLIENT_COUNTS) -> dict:
    """The record of a closed-loop run at each of `client_counts`, on a server of its own for
    `database`; `sessions` holds a signed-in session key for each client of the largest level."""
    if len(sessions) < max(client_counts):
        raise ValueError(f"{max(client_counts)} clients need as many sessions, not {len(sessions)}")
    record = {"name": "concurrent clients", "kind": "concurrency", "workers": PRODUCTION_WORKERS,
              "seconds_per_level": seconds, "pages": len(urls)}
    with ConsoleServer(database, log_path, workers=PRODUCTION_WORKERS) as server:
        clients = [Client(server.port, cookie=f"{cookie_name}={session}") for session in sessions]
        warmup = level_run(clients[:PRODUCTION_WORKERS], urls, seconds=None, passes=1)
        record["warmup_errors"] = warmup.errors
        record["levels"] = [level_run(clients[:count], urls, seconds=seconds).record() for count in client_counts]
    return record


def concurrency_table(record: dict) -> list[str]:
    """The run in markdown: what ran, then a row per level of clients."""
    if record.get("error"):
        return [f"Concurrent clients: {record['error']}."]
    lines = [
        f"Concurrent clients: each with a session of its own, requesting the {record['pages']} console pages above "
        f"back to back (gzip accepted) for {record['seconds_per_level']:g} s a level, against gunicorn with "
        f"{record['workers']} sync workers as docker-compose.yml's web service; first one pass over the pages per "
        f"worker ({record['warmup_errors']} errors). An error: a status other than 200 or 302, a redirect to the "
        "sign-in page, a failed connection.",
        "",
        "| clients | requests | requests/s | p50 ms | p95 ms | errors | budget | verdict |",
        "|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for level in record["levels"]:
        misses = concurrency_level_misses(level)
        p50 = "–" if level["p50_ms"] is None else f"{level['p50_ms']:,.1f}"
        p95 = "–" if level["p95_ms"] is None else f"{level['p95_ms']:,.1f}"
        lines.append(f"| {level['clients']} | {level['requests']:,} | {level['requests_per_second']:,.1f} | {p50} "
                     f"| {p95} | {level['errors']} | 0 errors | {'; '.join(misses) or 'ok'} |")
    return lines
