"""A real Celery worker process on Redis, executing against the test database."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.db import connection

from tests.bench_background import wait_for_the_benchmark
from tests.conftest import require_service

PROJECT_DIR = Path(__file__).resolve().parents[1]
# The same command .ci/run and the machine use, so a test that stops Redis can bring it back.
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "{port}",
               "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]


def redis_is_up() -> bool:
    try:
        return bool(settings.REDIS_URL) and redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def require_worker_services() -> None:
    require_service("PostgreSQL (a worker process needs a database it can share)", connection.vendor == "postgresql")
    require_service("Redis", redis_is_up())


def database_url_for_processes() -> str:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return (f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
            f"/{database['NAME']}")


class Worker:
    def __init__(self, log_path: Path, **environment: str):
        self.log_path = log_path
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test",
               "DATABASE_URL": database_url_for_processes(), "REDIS_URL": settings.REDIS_URL, "TASK_RUNNER": "celery",
               **environment}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=PROJECT_DIR, env=env, stdout=log_path.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.wait_until_ready()

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log_path.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"the Celery worker did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def redis_stop() -> None:
    """Stops the Redis server, once the benchmark's run in the background, which uses it, has
    ended (tests/bench_background.py)."""
    wait_for_the_benchmark()
    redis.Redis.from_url(settings.REDIS_URL).shutdown(nosave=True)


def redis_start() -> None:
    port = str(urlsplit(settings.REDIS_URL).port or 6379)
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run([part.replace("{port}", port) for part in REDIS_START], check=True)
    deadline = time.monotonic() + 30
    while not redis_is_up():
        if time.monotonic() > deadline:
            raise AssertionError("Redis did not come back")
        time.sleep(0.2)


@contextmanager
def celery_workers(settings_fixture, tmp_path: Path, **worker_settings: str):
    """Runs go to Celery for the test (pytest-django's `settings` as `settings_fixture`); yields
    `start_worker(**overrides)`, which starts a worker with `worker_settings` and the overrides.
    Every worker started is stopped when the block ends."""
    require_worker_services()
    settings_fixture.TASK_RUNNER = "celery"
    settings_fixture.TASK_RUN_STALE_AFTER_SECONDS = 2
    settings_fixture.TASK_RUN_DISPATCH_GRACE_SECONDS = 0
    from config.celery import app

    app.control.purge()
    workers = []

    def start_worker(**overrides: str) -> Worker:
        workers.append(Worker(tmp_path / f"worker-{len(workers)}.log", **{**worker_settings, **overrides}))
        return workers[-1]

    try:
        yield start_worker
    finally:
        for worker in workers:
            worker.stop()
