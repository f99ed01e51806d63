"""A person's permissions are read once per request, in one query, and answer exactly as
Django's own backend does."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opsconsole.permission_loading import load_permissions


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
