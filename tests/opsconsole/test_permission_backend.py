"""The console's backend answers every permission question as Django's ModelBackend does, and
reads a person's permissions and platform restriction once per request, in one query."""

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opsconsole.models import StaffPlatformAccess
from opsconsole.permission_backend import PermissionsInOneQueryBackend
from opsconsole.platform_access import visible_platform_ids
from tests.factories import make_payments_world, make_platform

PEOPLE = ["ops", "lead", "engineer", "developer", "auditor", "nobody", "root"]


def answers(backend, person: User) -> tuple:
    return (backend.get_user_permissions(person), backend.get_group_permissions(person),
            backend.get_all_permissions(person), backend.has_perm(person, "payments.view_charge"),
            backend.has_module_perms(person, "audit"))


@pytest.mark.parametrize("username", PEOPLE)
def test_the_backend_answers_as_djangos(staff, username):
    expected = answers(ModelBackend(), User.objects.get(username=username))
    assert answers(PermissionsInOneQueryBackend(), User.objects.get(username=username)) == expected


@pytest.mark.parametrize("username", PEOPLE)
def test_the_backend_answers_as_djangos_when_asked_asynchronously(staff, username):
    def asynchronous_answers(backend, person):
        return (async_to_sync(backend.aget_all_permissions)(person),
                async_to_sync(backend.ahas_perm)(person, "payments.view_charge"))

    expected = asynchronous_answers(ModelBackend(), User.objects.get(username=username))
    assert asynchronous_answers(PermissionsInOneQueryBackend(), User.objects.get(username=username)) == expected


@pytest.mark.parametrize("username", ["ops", "lead", "engineer", "developer", "auditor", "nobody"])
def test_a_person_is_read_in_one_query_and_asked_again_for_nothing(staff, username):
    person = User.objects.get(username=username)
    with CaptureQueriesContext(connection) as queries:
        answers(PermissionsInOneQueryBackend(), person)
        visible_platform_ids(person)
        answers(PermissionsInOneQueryBackend(), person)
    assert len(queries.captured_queries) == 1


def test_a_permission_given_to_the_person_is_read_with_their_groups(staff):
    person = User.objects.get(username="auditor")
    person.user_permissions.add(Permission.objects.get(codename="view_charge"))
    person = User.objects.get(username="auditor")
    assert "payments.view_charge" in PermissionsInOneQueryBackend().get_user_permissions(person)
    assert person.has_perm("payments.view_charge") and person.has_perm("audit.view_auditevent")


def test_an_inactive_person_and_an_object_get_djangos_answers(staff):
    person = staff["lead"]
    charge_permission = Permission.objects.get(codename="view_charge")
    assert PermissionsInOneQueryBackend().get_all_permissions(person, obj=charge_permission) == set()
    User.objects.filter(pk=person.pk).update(is_active=False)
    inactive = User.objects.get(pk=person.pk)
    assert PermissionsInOneQueryBackend().get_all_permissions(inactive) == set()
    assert not inactive.has_perm("payments.view_charge")


def restricted_to(person: User, platforms: list) -> User:
    StaffPlatformAccess.objects.create(user=person).platforms.set(platforms)
    return User.objects.get(pk=person.pk)


@pytest.mark.parametrize("allowed", ["no restriction", "no platforms", "two platforms"])
@pytest.mark.parametrize("asked_first", ["permissions", "platforms"])
def test_the_platform_restriction_is_read_with_the_permissions(staff, allowed, asked_first):
    person = staff["lead"]
    platforms = [make_platform(), make_platform()]
    if allowed != "no restriction":
        person = restricted_to(person, platforms if allowed == "two platforms" else [])
    person = User.objects.get(pk=person.pk)
    with CaptureQueriesContext(connection) as queries:
        if asked_first == "permissions":
            assert person.has_perm("payments.view_charge")
            restriction = visible_platform_ids(person)
        else:
            restriction = visible_platform_ids(person)
            assert person.has_perm("payments.view_charge")
    assert len(queries.captured_queries) == 1
    assert restriction == {"no restriction": None, "no platforms": frozenset(),
                           "two platforms": {platform.pk for platform in platforms}}[allowed]


@pytest.mark.parametrize("page", ["list", "detail"])
def test_a_page_reads_the_permissions_and_the_platforms_in_one_statement(client_as, staff, page):
    seller = make_payments_world(1).seller
    restricted_to(staff["lead"], [seller.platform])
    client = client_as("lead")
    url = (reverse("admin:accounts_customer_changelist") if page == "list"
           else reverse("admin:accounts_customer_change", args=[seller.pk]))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    platform_table = StaffPlatformAccess._meta.db_table
    reads = [query["sql"] for query in queries.captured_queries
             if '"auth_permission"' in query["sql"] or f'"{platform_table}"' in query["sql"]]
    assert len(reads) == 1, reads
    assert '"auth_permission"' in reads[0] and f'"{platform_table}"' in reads[0]
