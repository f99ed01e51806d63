"""Bad configuration stops start-up with a message naming the setting."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


def start_up(**environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **environment)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=PROJECT_DIR, env=env,
        capture_output=True, text=True, timeout=60,
    )


def test_missing_secret_key_outside_debug_names_the_setting():
    result = start_up(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("url", ["not-a-url", "mysql//nobody@db/x", "ftp://example.com/db"])
def test_malformed_database_url_names_the_setting(url):
    result = start_up(DJANGO_DEBUG="1", DATABASE_URL=url)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_unreadable_debug_flag_names_the_setting():
    result = start_up(DJANGO_DEBUG="perhaps")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_malformed_redis_url_names_the_setting():
    result = start_up(DJANGO_DEBUG="1", REDIS_URL="localhost:6379")
    assert result.returncode != 0
    assert "REDIS_URL must start with redis://" in result.stderr


def test_debug_defaults_to_off_and_then_the_secret_key_is_required():
    result = start_up()
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_configuration_passes_the_deployment_checklist(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "k3y-" + "x9Q!vB7#mZ2$wL5^tR8&yN1*pD4(jH6)" * 2,
            "DJANGO_ALLOWED_HOSTS": "ops.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        },
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
