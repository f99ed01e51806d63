"""gunicorn settings for the benchmark: each worker may use at most a few gigabytes, so a stock
admin page that renders millions of select options fails with MemoryError instead of taking the
machine's memory."""

import resource

WORKER_MEMORY_LIMIT_BYTES = 4 * 1024**3


def post_fork(server, worker):
    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_LIMIT_BYTES, WORKER_MEMORY_LIMIT_BYTES))
