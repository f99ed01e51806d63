"""The small benchmark's run that tests/test_bench_small.py reads, started in the background as
soon as the suite has collected a test that reads it (tests/conftest.py), so that its two minutes
of subprocesses — mostly waiting on its own servers, clients and browser — overlap the rest of the
suite instead of adding to it.

The run's Celery worker uses Redis: a test that stops the Redis server first waits for the run to
end (`wait_for_the_benchmark`, from tests/celery_worker.py).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import redis

from bench.database import PROJECT_DIR, server_url
from bench.reprocess import bench_redis_url

# Not the names a developer's own `make bench SCALE=small` uses, so the two never collide; two
# runs of the suite on one server each set a prefix of their own.
DATABASE_PREFIX = os.environ.get("BENCH_TEST_DATABASE_PREFIX", "opsconsole_benchtest")
RUN_TIMEOUT_SECONDS = 900
# As few samples as still give every figure a number.
RUN_ARGUMENTS = ("--scale", "small", "--samples", "3", "--stock-samples", "1", "--concurrency-seconds", "2",
                 "--browser-loads", "1")


def bench_env() -> dict:
    return {**os.environ, "BENCH_DATABASE_PREFIX": DATABASE_PREFIX, "PYTHONUNBUFFERED": "1"}


def postgresql_answers() -> bool:
    try:
        psycopg2.connect(server_url(), connect_timeout=3).close()
        return True
    except psycopg2.Error:
        return False


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(bench_redis_url(), socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@dataclass(frozen=True)
class FinishedRun:
    returncode: int
    results_dir: Path
    printed: str
    errors: str


class BenchmarkRun:
    """`python -m bench.run` with RUN_ARGUMENTS, writing its results and output to a folder of
    its own, which `remove` deletes."""

    def __init__(self):
        self.results_dir = Path(tempfile.mkdtemp(prefix="opsconsole-bench-results-"))
        self.stdout_path = self.results_dir / "printed.txt"
        self.stderr_path = self.results_dir / "errors.txt"
        with self.stdout_path.open("w") as stdout, self.stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bench.run", *RUN_ARGUMENTS, "--results-dir", str(self.results_dir)],
                cwd=PROJECT_DIR, env=bench_env(), stdout=stdout, stderr=stderr, text=True,
            )

    def wait(self) -> FinishedRun:
        returncode = self.process.wait(timeout=RUN_TIMEOUT_SECONDS)
        return FinishedRun(returncode, self.results_dir, self.stdout_path.read_text(), self.stderr_path.read_text())

    def remove(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.results_dir, ignore_errors=True)


_started: list[BenchmarkRun] = []


def start_the_benchmark() -> BenchmarkRun:
    """The suite's run, started now unless it already was."""
    if not _started:
        _started.append(BenchmarkRun())
    return _started[0]


def wait_for_the_benchmark() -> None:
    """Returns once the suite's run has ended, at once when none was started."""
    for run in _started:
        run.process.wait(timeout=RUN_TIMEOUT_SECONDS)


def remove_the_benchmark() -> None:
    while _started:
        _started.pop().remove()
