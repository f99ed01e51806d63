"""A platform's traffic summary is kept in Django's cache under the platform's version, which
recording its requests or rebuilding its rollups moves: a repeated read costs no query, and the
read after a recording, in this process or another, shows the new requests."""

import datetime
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import config.settings as production_settings
from apilog.selectors import ApiWindow, api_changes_between
from apilog.services import api_rollups_rebuild
from apilog.traffic_summary import summary_key, traffic_summary, traffic_version, version_key
from tests.apilog.traffic import api_change, record, requests_on_days
from tests.celery_worker import PROJECT_DIR, database_url_for_processes, require_worker_services
from tests.factories import make_platform

TODAY = datetime.date(2026, 11, 27)
WINDOW = ApiWindow.ending(TODAY, days=7)


def summary_of(platform, window=WINDOW):
    return traffic_summary(platform_id=platform.pk, window=window,
                           changes=api_changes_between(start=window.start, end=window.end))


def recorded_on(platform, day, *, per_day=3) -> int:
    return record(requests_on_days(platform, first_day=day, last_day=day, per_day=per_day))


def rollup_reads(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "apilog_apirequestdailyrollup" in query["sql"]]


@pytest.mark.django_db
def test_a_second_read_is_answered_from_the_cache_without_a_query():
    platform = make_platform()
    recorded_on(platform, TODAY - datetime.timedelta(days=2))
    first = summary_of(platform)
    changes = api_changes_between(start=WINDOW.start, end=WINDOW.end)
    with CaptureQueriesContext(connection) as captured:
        again = traffic_summary(platform_id=platform.pk, window=WINDOW, changes=changes)
    assert captured.captured_queries == []
    assert again == first and again.total == 3


@pytest.mark.django_db
def test_recording_moves_the_version_and_the_next_read_works_the_summary_out_again():
    platform, quiet_platform = make_platform(), make_platform()
    recorded_on(platform, TODAY - datetime.timedelta(days=2))
    recorded_on(quiet_platform, TODAY)
    assert summary_of(platform).total == 3
    version, quiet_version = traffic_version(platform.pk), traffic_version(quiet_platform.pk)

    recorded_on(platform, TODAY, per_day=2)
    assert traffic_version(platform.pk) != version
    assert traffic_version(quiet_platform.pk) == quiet_version, "only the recorded platforms' summaries are retired"
    with CaptureQueriesContext(connection) as captured:
        assert summary_of(platform).total == 5
    assert len(rollup_reads(captured)) == 1


@pytest.mark.django_db
def test_the_version_moves_again_when_the_recording_commits(django_capture_on_commit_callbacks):
    """A process that read the rollups before the rows were committed kept its summary under the
    version of that moment: it must not be the version once the rows are visible."""
    platform = make_platform()
    with django_capture_on_commit_callbacks(execute=True):
        recorded_on(platform, TODAY)
        before_commit = traffic_version(platform.pk)
    assert traffic_version(platform.pk) != before_commit


@pytest.mark.django_db
def test_rebuilding_the_rollups_moves_the_version():
    platform = make_platform()
    recorded_on(platform, TODAY)
    version = traffic_version(platform.pk)
    api_rollups_rebuild(since=TODAY, until=TODAY, platform=platform)
    assert traffic_version(platform.pk) != version


@pytest.mark.django_db
def test_a_version_the_cache_dropped_is_replaced_by_a_new_one_never_an_old_one():
    from django.core.cache import cache

    platform = make_platform()
    recorded_on(platform, TODAY)
    version = traffic_version(platform.pk)
    summary_of(platform)
    cache.delete(version_key(platform.pk))  # as the cache does to make room
    assert traffic_version(platform.pk) != version


@pytest.mark.django_db
def test_a_changed_changelog_is_diagnosed_anew():
    platform = make_platform()
    recorded_on(platform, TODAY)
    version = traffic_version(platform.pk)
    before = summary_key(platform_id=platform.pk, window=WINDOW, version=version, changes=[])
    change = api_change(on=TODAY, endpoint="POST /items", summary="amounts in cents", breaking=True)
    assert summary_key(platform_id=platform.pk, window=WINDOW, version=version, changes=[change]) != before
    change.breaking = False
    assert summary_key(platform_id=platform.pk, window=WINDOW, version=version, changes=[change]) != before


SUMMARY_IN_ANOTHER_PROCESS = """
import datetime, sys
import django
django.setup()
from apilog.selectors import ApiWindow, api_changes_between
from apilog.traffic_summary import traffic_summary
window = ApiWindow.ending(datetime.date.fromisoformat(sys.argv[2]), days=7)
summary = traffic_summary(platform_id=int(sys.argv[1]), window=window,
                          changes=api_changes_between(start=window.start, end=window.end))
print(summary.total)
"""


def total_in_another_process(platform) -> int:
    """The platform's summary read by a process of the console as production configures it (the
    cache on REDIS_URL), on the test database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1",
           "DATABASE_URL": database_url_for_processes(), "REDIS_URL": production_settings.REDIS_URL}
    result = subprocess.run([sys.executable, "-c", SUMMARY_IN_ANOTHER_PROCESS, str(platform.pk), TODAY.isoformat()],
                            cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return int(result.stdout.split()[-1])


@pytest.mark.django_db(transaction=True)
def test_processes_share_the_summary_and_a_recording_in_one_is_seen_by_the_others(settings):
    require_worker_services()
    settings.CACHES = production_settings.CACHES  # this process too, as production configures it
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    platform = make_platform()
    recorded_on(platform, TODAY - datetime.timedelta(days=1))

    assert total_in_another_process(platform) == 3
    with CaptureQueriesContext(connection) as captured:
        assert summary_of(platform).total == 3
    assert rollup_reads(captured) == [], "the summary the other process worked out is used here"

    recorded_on(platform, TODAY, per_day=4)
    assert total_in_another_process(platform) == 7


@pytest.mark.django_db
def test_with_the_cache_server_down_requests_are_recorded_and_the_summary_read_from_the_rollups(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    platform = make_platform()
    assert recorded_on(platform, TODAY - datetime.timedelta(days=1)) == 3
    assert summary_of(platform).total == 3
    recorded_on(platform, TODAY, per_day=2)
    assert summary_of(platform).total == 5
