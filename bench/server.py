"""The console served by gunicorn on a free local port, as in production, for one database."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.database import PROJECT_DIR
from bench.environment import bench_environment
from bench.processes import process_group_stop

WORKERS = 2
# Longer than the client waits for a page (bench/settings.py), so the client gives up first and
# the server then stops the worker that is still rendering.
WORKER_TIMEOUT_SECONDS = 125


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ConsoleServer:
    def __init__(self, database: str, log_path: Path, *, workers: int = WORKERS, **extra_environment: str):
        self.database = database
        self.workers = workers
        self.extra_environment = extra_environment
        self.log_path = log_path
        self.port = free_port()
        self.process = None

    def __enter__(self) -> "ConsoleServer":
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--timeout", str(WORKER_TIMEOUT_SECONDS), "--config",
                   "python:bench.gunicorn_config"]
        environment = bench_environment(self.database, **self.extra_environment)
        self.process = subprocess.Popen(command, cwd=PROJECT_DIR, env=environment, stdout=self.log_path.open("ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_until_up()
        return self

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def __exit__(self, *exc_info) -> None:
        process_group_stop(self.process)
