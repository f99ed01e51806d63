"""The production entry point leaves what it loaded out of the garbage collector's full walks:
without that, a page that makes thousands of objects paid a ~70 ms collection every few requests."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
REPORT_FROZEN = "import gc, config.wsgi; print(gc.get_freeze_count())"


def test_loading_the_wsgi_application_freezes_what_was_loaded():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="1", PERIODIC_JOBS_IN_PROCESS="0")
    result = subprocess.run([sys.executable, "-c", REPORT_FROZEN], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # Django, the apps and the admin come to tens of thousands of objects.
    assert int(result.stdout.split()[-1]) > 10_000
