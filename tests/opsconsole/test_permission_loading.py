"""A person's permissions and platform restriction are read once per request, in one query, and
answer exactly as Django's own backend and the platform check's own query do."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opsconsole.models import StaffPlatformAccess
from opsconsole.permission_loading import load_permissions, permissions_statement
from opsconsole.platform_access import visible_platform_ids
from tests.factories import make_platform


@pytest.mark.parametrize("username", ["ops", "lead", "engineer", "developer", "auditor", "nobody"])
def test_the_permissions_read_in_one_query_are_djangos(staff, username):
    person = User.objects.get(username=username)
    with CaptureQueriesContext(connection) as queries:
        load_permissions(person)
    assert len(queries.captured_queries) == 1
    backend = ModelBackend()
    fresh = User.objects.get(username=username)
    assert person._perm_cache == backend.get_all_permissions(fresh)
    assert person._user_perm_cache == backend.get_user_permissions(fresh)
    assert person._group_perm_cache == backend.get_group_permissions(fresh)


def test_the_query_is_compiled_once_and_answers_for_each_person(staff, monkeypatch):
    permissions_statement.cache_clear()
    load_permissions(User.objects.get(username="ops"))
    compilations = []
    original = SQLCompiler.as_sql

    def counting(compiler, *args, **kwargs):
        compilations.append(compiler.query.model)
        return original(compiler, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    auditor, lead = User.objects.get(username="auditor"), User.objects.get(username="lead")
    compilations.clear()
    load_permissions(auditor)
    load_permissions(lead)
    assert compilations == []
    assert auditor._perm_cache == ModelBackend().get_all_permissions(User.objects.get(username="auditor"))
    assert lead._perm_cache == ModelBackend().get_all_permissions(User.objects.get(username="lead"))
    assert auditor._perm_cache != lead._perm_cache


def test_a_permission_given_to_the_person_is_read_with_their_groups(staff):
    person = User.objects.get(username="auditor")
    person.user_permissions.add(Permission.objects.get(codename="view_charge"))
    load_permissions(person)
    assert "payments.view_charge" in person._user_perm_cache
    assert person.has_perm("payments.view_charge") and person.has_perm("audit.view_auditevent")


def test_a_page_reads_the_permissions_once(client_as):
    client = client_as("lead")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:payments_item_changelist")).status_code == 200
    reads = [query["sql"] for query in queries.captured_queries if '"auth_permission"' in query["sql"]]
    assert len(reads) == 1, reads


def restricted_to(person: User, platforms: list) -> User:
    StaffPlatformAccess.objects.create(user=person).platforms.set(platforms)
    return User.objects.get(pk=person.pk)


@pytest.mark.parametrize("allowed", ["no restriction", "no platforms", "two platforms"])
def test_the_platform_restriction_is_read_with_the_permissions(staff, allowed):
    person = staff["lead"]
    platforms = [make_platform(), make_platform()]
    if allowed != "no restriction":
        person = restricted_to(person, platforms if allowed == "two platforms" else [])
    expected = visible_platform_ids(User.objects.get(pk=person.pk))  # the restriction's own query
    load_permissions(person)
    with CaptureQueriesContext(connection) as queries:
        assert visible_platform_ids(person) == expected
    assert queries.captured_queries == []
    assert expected == {"no restriction": None, "no platforms": frozenset(),
                        "two platforms": {platform.pk for platform in platforms}}[allowed]


def test_a_page_reads_the_permissions_and_the_platforms_in_one_statement(client_as, staff):
    restricted_to(staff["lead"], [make_platform()])
    client = client_as("lead")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:accounts_customer_changelist")).status_code == 200
    platform_table = StaffPlatformAccess._meta.db_table
    reads = [query["sql"] for query in queries.captured_queries
             if '"auth_permission"' in query["sql"] or f'"{platform_table}"' in query["sql"]]
    assert len(reads) == 1, reads
    assert '"auth_permission"' in reads[0] and f'"{platform_table}"' in reads[0]
