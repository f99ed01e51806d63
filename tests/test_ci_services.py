"""In CI the suite runs on the real services; a missing one fails the run instead of skipping."""

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.conftest import IN_CI, require_service


def redis_answers(url: str) -> bool:
    try:
        return bool(url) and redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not IN_CI, reason="only CI promises PostgreSQL")
@pytest.mark.django_db
def test_ci_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_redis_broker_answers():
    require_service("Redis", redis_answers(settings.REDIS_URL))
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    assert not settings.CELERY_TASK_ALWAYS_EAGER
