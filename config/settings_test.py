"""Settings for the test suite: the production settings with DEBUG on and a fast hasher."""

import os
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "1")

from config.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not shared-cache memory: background threads then wait for locks as in production.
    # One per test process, so two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": f"{tempfile.gettempdir()}/opsconsole-test-{os.getpid()}.sqlite3"}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each test starts with an empty cache (tests/conftest.py), which a Redis cache shared with the
# broker must never be; the test that proves summaries are shared between processes uses Redis itself.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Background runs execute in the test's own thread unless a test asks for the Celery worker.
TASK_RUNNER = os.environ.get("TASK_RUNNER", "inline")
# Outside the project: a test that writes an archive or a checkpoint names its own directory.
AUDIT_ARCHIVE_DIR = Path(tempfile.gettempdir()) / f"opsconsole-test-audit-archive-{os.getpid()}"  # noqa: F405
# Tests run the periodic jobs themselves, when they mean to.
PERIODIC_JOBS_IN_PROCESS = False
