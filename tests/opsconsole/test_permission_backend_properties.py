"""On generated people — their own permissions, their groups and each group's permissions, and a
platform restriction or none — the console's backend answers every permission as Django's
ModelBackend does, and the restriction it reads with them is the one the platform check reads on
its own."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from opsconsole.models import StaffPlatformAccess
from opsconsole.permission_backend import PermissionsInOneQueryBackend
from opsconsole.platform_access import PLATFORM_ID, platform_access_rows, visible_platform_ids
from tests.factories import make_platform

# Enough permissions of several apps for overlaps between a person's own and their groups'.
PERMISSION_COUNT = 12
PLATFORM_COUNT = 3
SOME = st.lists(st.integers(0, PERMISSION_COUNT - 1), max_size=5, unique=True)
PERSON = st.fixed_dictionaries({
    "own": SOME,
    "groups": st.lists(SOME, max_size=3),
    # None: no restriction; a list (empty included): the platforms it allows.
    "restriction": st.none() | st.lists(st.integers(0, PLATFORM_COUNT - 1), max_size=PLATFORM_COUNT, unique=True),
    "superuser": st.booleans(),
    "active": st.booleans(),
})


def answers(backend, person: User, asked: list[str]) -> tuple:
    return (backend.get_user_permissions(person), backend.get_group_permissions(person),
            backend.get_all_permissions(person), [backend.has_perm(person, name) for name in asked])


@pytest.mark.django_db
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=PERSON)
def test_every_person_gets_djangos_answers_and_their_own_restriction(shape):
    with transaction.atomic():
        permissions = list(Permission.objects.select_related("content_type").order_by("id")[::7][:PERMISSION_COUNT])
        assert len({permission.content_type.app_label for permission in permissions}) > 1
        platforms = [make_platform() for _ in range(PLATFORM_COUNT)]
        person = User.objects.create_user("generated", is_superuser=shape["superuser"], is_active=shape["active"])
        person.user_permissions.set([permissions[index] for index in shape["own"]])
        for number, chosen in enumerate(shape["groups"]):
            group = Group.objects.create(name=f"generated-{number}")
            group.permissions.set([permissions[index] for index in chosen])
            person.groups.add(group)
        if shape["restriction"] is not None:
            StaffPlatformAccess.objects.create(user=person).platforms.set(
                [platforms[index] for index in shape["restriction"]])
        asked = [f"{permission.content_type.app_label}.{permission.codename}" for permission in permissions]

        expected = answers(ModelBackend(), User.objects.get(pk=person.pk), asked)
        read = User.objects.get(pk=person.pk)
        console = answers(PermissionsInOneQueryBackend(), read, asked)
        restriction_read_with_permissions = visible_platform_ids(read)
        restriction_alone = list(platform_access_rows(person.pk).values_list(PLATFORM_ID, flat=True))
        transaction.set_rollback(True)

    assert console == expected
    if shape["superuser"]:
        assert restriction_read_with_permissions is None
    else:
        # Read with the permissions (an active person) or alone: the same restriction either way.
        assert restriction_read_with_permissions == (
            None if not restriction_alone else frozenset(pk for pk in restriction_alone if pk is not None))
        assert restriction_read_with_permissions == (
            None if shape["restriction"] is None else {platforms[index].pk for index in shape["restriction"]})
