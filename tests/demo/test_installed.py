"""The demo is installed for development and the tests only: production settings, with DEBUG
off, have neither its app nor its commands, so no one can seed demo logins into a real database."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3y-" + "x9Q!vB7#mZ2$wL5^tR8&yN1*pD4(jH6)" * 2,
    "DJANGO_ALLOWED_HOSTS": "ops.example.com",
}


def manage(*arguments: str, tmp_path: Path, **environment: str) -> subprocess.CompletedProcess:
    """`manage.py` under config.settings with only the environment given (and a scratch database)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               **environment)
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=60)


def test_production_settings_install_no_demo(tmp_path):
    listed = manage("shell", "-c", "from django.conf import settings; print(*settings.INSTALLED_APPS)",
                    tmp_path=tmp_path, **PRODUCTION)
    assert listed.returncode == 0, listed.stderr
    assert "demo" not in listed.stdout.split()
    for command in ("seed_demo", "demo_second_factor_code"):
        refused = manage(command, tmp_path=tmp_path, **PRODUCTION)
        assert refused.returncode != 0
        assert f"Unknown command: '{command}'" in refused.stderr


def test_development_settings_install_the_demo(tmp_path):
    listed = manage("shell", "-c", "from django.conf import settings; print(*settings.INSTALLED_APPS)",
                    tmp_path=tmp_path, DJANGO_DEBUG="1")
    assert "demo" in listed.stdout.split(), listed.stderr


def test_the_tests_run_with_the_demo_installed():
    assert "demo" in settings.INSTALLED_APPS
