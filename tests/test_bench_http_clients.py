"""The benchmark's clients over real HTTP, against a small local server: a page's weight as
rendered and gzipped, and the closed loop of concurrent clients, which counts every answer that is
not a page or a redirect as an error."""

import gzip
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.concurrency import PRODUCTION_WORKERS, level_run
from bench.http_timing import Client, PageWeight, page_weight
from bench.server import free_port

PAGE = ("<html><body>" + "<tr><td>mia.nguyen.123456@example.com</td></tr>" * 500 + "</body></html>").encode()


class Pages(BaseHTTPRequestHandler):
    """/list: a page, gzipped when asked; /broken: a server error; /search: a redirect to a record;
    /signed-out: a redirect to the sign-in page."""

    def do_GET(self):
        if self.path == "/list":
            gzipped = "gzip" in self.headers.get("Accept-Encoding", "")
            body = gzip.compress(PAGE) if gzipped else PAGE
            self.send_response(200)
            if gzipped:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        statuses = {"/broken": (500, ""), "/search": (302, "/items/7/change/"), "/signed-out": (302, "/login/?next=/")}
        status, location = statuses[self.path]
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


@pytest.fixture(scope="module")
def client():
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Client(server.server_address[1], cookie="sessionid=any")
    server.shutdown()
    server.server_close()


def test_a_page_weighs_its_html_as_rendered_and_as_gzipped(client):
    assert page_weight(client, "/list", timeout=5) == PageWeight(len(PAGE), len(gzip.compress(PAGE)))
    assert page_weight(client, "/search", timeout=5) == PageWeight(0, 0)


def test_a_page_that_does_not_answer_has_no_weight():
    assert page_weight(Client(free_port(), cookie=""), "/list", timeout=5) is None


def test_every_client_requests_back_to_back_and_pages_and_redirects_are_answers(client):
    outcome = level_run([client] * 4, ["/list", "/search"], seconds=0.5).record()
    assert outcome["clients"] == 4 and outcome["errors"] == 0
    assert outcome["requests"] > 4 and outcome["requests_per_second"] > 0
    assert 0 < outcome["p50_ms"] <= outcome["p95_ms"]


def test_a_pass_over_the_pages_requests_each_page_once_per_client(client):
    outcome = level_run([client] * 3, ["/list", "/search"], seconds=None, passes=1).record()
    assert outcome["requests"] == 6 and outcome["errors"] == 0


def test_a_server_error_and_a_redirect_to_the_sign_in_page_are_errors(client):
    outcome = level_run([client] * 2, ["/list", "/broken", "/signed-out"], seconds=None, passes=1).record()
    assert outcome["requests"] == 2 and outcome["errors"] == 4
    assert "/broken: HTTP 500" in outcome["error_examples"]
    assert "/signed-out: redirected to the sign-in page" in outcome["error_examples"]


def test_a_connection_that_fails_is_an_error():
    outcome = level_run([Client(free_port(), cookie="")], ["/list"], seconds=None, passes=1).record()
    assert outcome["requests"] == 0 and outcome["errors"] == 1
    assert "ConnectionRefusedError" in outcome["error_examples"][0]


def test_concurrent_clients_meet_as_many_workers_as_production_runs():
    compose = (Path(__file__).resolve().parents[1] / "docker-compose.yml").read_text()
    [web_workers] = re.findall(r"gunicorn config\.wsgi:application .*--workers (\d+)", compose)
    assert PRODUCTION_WORKERS == int(web_workers)
