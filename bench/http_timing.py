"""Timing pages over real HTTP, from the client's side: from sending the request to having read
the whole response, after warm-up requests that fill the server's caches."""

import gzip
import http.client
import math
import socket
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.query_count import QUERY_COUNT_HEADER, QUERY_TIME_HEADER


@dataclass
class Response:
    status: int
    milliseconds: float
    queries: int | None
    query_milliseconds: float | None
    size: int
    location: str = ""
    content_encoding: str = ""
    body: bytes = field(default=b"", repr=False)


@dataclass
class PageTiming:
    """What the samples of one page came to. A page that did not answer within the timeout has
    `timed_out` set; its p50 and p95 are then the timeout, a lower bound."""

    url: str
    samples_ms: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    # (queries, their milliseconds) of each sample
    query_samples: list[tuple[int | None, float | None]] = field(default_factory=list)
    size: int | None = None
    timed_out: bool = False
    error: str = ""

    @property
    def queries(self) -> int | None:
        """The page's own count: what most samples ran. Once a minute a page also moves the
        session's expiry on (opsconsole/session_activity.py), one statement more."""
        counts = Counter(count for count, _ in self.query_samples)
        return counts.most_common(1)[0][0] if counts else None

    @property
    def query_ms(self) -> float | None:
        """The median time of the queries, over the samples that ran the page's own count."""
        times = sorted(ms for count, ms in self.query_samples if count == self.queries and ms is not None)
        return times[len(times) // 2] if times else None

    @property
    def ok(self) -> bool:
        """Answered every time, with the page or (a search with one match) a redirect to it."""
        return bool(self.samples_ms) and not self.error and all(status in (200, 302) for status in self.statuses)

    def percentile(self, fraction: float) -> float | None:
        """Nearest-rank percentile of the samples."""
        if not self.samples_ms:
            return None
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]

    @property
    def p50(self) -> float | None:
        return self.percentile(0.50)

    @property
    def p95(self) -> float | None:
        return self.percentile(0.95)


class Client:
    def __init__(self, port: int, *, cookie: str):
        self.port = port
        self.cookie = cookie

    def get(self, url: str, *, timeout: float, accept_gzip: bool = False) -> Response:
        """The response to a GET of `url`, read to its last byte. Without `accept_gzip` the request
        says `Accept-Encoding: identity`, so the body is the page as rendered."""
        headers = {"Cookie": self.cookie, "Host": "127.0.0.1"}
        if accept_gzip:
            headers["Accept-Encoding"] = "gzip"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            started = time.perf_counter()
            connection.request("GET", url, headers=headers)
            response = connection.getresponse()
            body = response.read()
            milliseconds = (time.perf_counter() - started) * 1000
        finally:
            connection.close()
        queries = response.getheader(QUERY_COUNT_HEADER)
        query_ms = response.getheader(QUERY_TIME_HEADER)
        return Response(response.status, milliseconds, int(queries) if queries else None,
                        float(query_ms) if query_ms else None, len(body), response.getheader("Location") or "",
                        response.getheader("Content-Encoding") or "", body)


@dataclass(frozen=True)
class PageWeight:
    """What one page weighs: its HTML as rendered, and as sent to a browser that accepts gzip."""

    bytes: int
    gzip_bytes: int


def page_weight(client: Client, url: str, *, timeout: float) -> PageWeight | None:
    """The page's weight from one request that accepts gzip; None when it did not answer. A
    response too small for the server to compress weighs the same both ways."""
    try:
        response = client.get(url, timeout=timeout, accept_gzip=True)
    except (OSError, http.client.HTTPException):
        return None
    if response.content_encoding == "gzip":
        return PageWeight(len(gzip.decompress(response.body)), response.size)
    return PageWeight(response.size, response.size)


def measure(client: Client, url: str, *, warmups: int, samples: int, timeout: float, budget_seconds: float,
            slow_warmup_seconds: float = 5.0) -> PageTiming:
    """Warm up, then take up to `samples` timings, stopping early once the page has used its
    `budget_seconds`. A warm-up slower than `slow_warmup_seconds` counts as a sample: the page is
    then too slow for caches to matter, and waiting for it again would be the bench's time."""
    timing = PageTiming(url)
    started = time.monotonic()

    def take(record: bool) -> bool:
        try:
            response = client.get(url, timeout=timeout)
        except (socket.timeout, TimeoutError):
            timing.timed_out = True
            timing.samples_ms.append(timeout * 1000)
            return False
        except (OSError, http.client.HTTPException) as error:
            timing.error = f"{type(error).__name__}: {error}"
            return False
        if record or response.milliseconds > slow_warmup_seconds * 1000 or response.status >= 400:
            timing.samples_ms.append(response.milliseconds)
            timing.statuses.append(response.status)
            timing.query_samples.append((response.queries, response.query_milliseconds))
            timing.size = response.size
        if response.status >= 400:
            timing.error = f"HTTP {response.status}"
            return False
        if "login" in response.location:
            timing.error = "redirected to the login page"
            return False
        return True

    for _ in range(warmups):
        if not take(record=False):
            return timing
    while len(timing.samples_ms) < samples and time.monotonic() - started < budget_seconds:
        if not take(record=True):
            break
    return timing
