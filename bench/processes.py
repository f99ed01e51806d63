"""Child processes the benchmark starts (gunicorn, the Celery worker): each in its own process
group, stopped as a group, so no worker outlives the run."""

import os
import signal
import subprocess


def process_group_stop(process: subprocess.Popen, *, grace_seconds: float = 30) -> None:
    """SIGTERM the process's group, then SIGKILL it if it has not exited within the grace period."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
