"""The console's authentication backend: Django's `ModelBackend`, reading a person's own
permissions, their groups' permissions and their platform restriction in one query.

`ModelBackend` reads a person's own and their groups' permissions in two queries, and the platform
check (opsconsole/platform_access.py) reads the restriction in a third; every console page asks
all three. This backend reads them together, in one statement built once from the models'
metadata, the first time a request asks for a permission; it keeps the permissions on the user
object under its own attribute and hands the restriction to the platform check. It answers as
`ModelBackend` does, through the methods Django documents for a backend to override; superusers,
inactive people and per-object checks are `ModelBackend`'s own answers.
"""

from dataclasses import dataclass
from functools import cache

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from opsconsole.models import StaffPlatformAccess
from opsconsole.platform_access import remember_platform_access

# Where a person's permissions are kept on their user object, for as long as it lives (a request).
KEPT_PERMISSIONS = "opsconsole_permission_backend_read"
USER_SOURCE, GROUP_SOURCE, PLATFORM_SOURCE = "user", "group", "platform"


@dataclass(frozen=True)
class PersonsPermissions:
    """A person's permissions as "app_label.codename": their own, and through their groups."""

    own: set[str]
    through_groups: set[str]
    every: set[str]


def access_rows(user_id: int) -> list[tuple[str, str | None, str | None]]:
    """The person's own permissions, their groups' and their platform restriction, as rows of
    (source, app label, codename or platform id as text), in one statement.

    The restriction's rows come from a LEFT JOIN: none when the person has no restriction, one
    with no platform id when it allows no platform."""
    with connection.cursor() as cursor:
        cursor.execute(access_statement(), [user_id] * 3)
        return cursor.fetchall()


@cache  # Built from the models' tables and columns, which do not change while the process runs.
def access_statement() -> str:
    """The SQL of `access_rows`, built once from the models' metadata: the same three reads as
    querysets cost more to build than to run, on every page."""
    quote = connection.ops.quote_name
    User = get_user_model()
    own, of_group, in_group = User.user_permissions.through, Group.permissions.through, User.groups.through
    allowed = StaffPlatformAccess.platforms.through

    def table(model) -> str:
        return quote(model._meta.db_table)

    def col(model, field_name: str) -> str:
        return f"{table(model)}.{quote(model._meta.get_field(field_name).column)}"

    permission = (f"{col(ContentType, 'app_label')}, {col(Permission, 'codename')} "
                  f"FROM {table(Permission)} JOIN {table(ContentType)} "
                  f"ON {col(ContentType, 'id')} = {col(Permission, 'content_type')}")
    return (
        f"SELECT '{USER_SOURCE}', {permission} "
        f"JOIN {table(own)} ON {col(own, 'permission')} = {col(Permission, 'id')} "
        f"WHERE {col(own, 'user')} = %s "
        f"UNION ALL SELECT '{GROUP_SOURCE}', {permission} "
        f"JOIN {table(of_group)} ON {col(of_group, 'permission')} = {col(Permission, 'id')} "
        f"JOIN {table(in_group)} ON {col(in_group, 'group')} = {col(of_group, 'group')} "
        f"WHERE {col(in_group, 'user')} = %s "
        f"UNION ALL SELECT '{PLATFORM_SOURCE}', NULL, CAST({col(allowed, 'platform')} AS text) "
        f"FROM {table(StaffPlatformAccess)} "
        f"LEFT JOIN {table(allowed)} ON {col(allowed, 'staffplatformaccess')} = {col(StaffPlatformAccess, 'id')} "
        f"WHERE {col(StaffPlatformAccess, 'user')} = %s"
    )


def read_permissions(user) -> PersonsPermissions:
    """`user`'s permissions, read with their platform restriction the first time for this user
    object (the restriction then kept for `visible_platform_ids`), kept on the object after."""
    kept = getattr(user, KEPT_PERMISSIONS, None)
    if kept is not None:
        return kept
    found = {USER_SOURCE: set(), GROUP_SOURCE: set()}
    platform_ids = []
    for source, app_label, codename in access_rows(user.pk):
        if source == PLATFORM_SOURCE:
            platform_ids.append(None if codename is None else int(codename))
        else:
            found[source].add(f"{app_label}.{codename}")
    remember_platform_access(user, platform_ids)
    kept = PersonsPermissions(
        own=found[USER_SOURCE], through_groups=found[GROUP_SOURCE], every=found[USER_SOURCE] | found[GROUP_SOURCE],
    )
    setattr(user, KEPT_PERMISSIONS, kept)
    return kept


def reads_for(user, obj) -> bool:
    """Whether this backend's read answers for `user` and `obj`: an active, signed-in person who is
    not a superuser, asked about permissions on no particular object."""
    return user.is_active and not user.is_anonymous and not user.is_superuser and obj is None


class PermissionsInOneQueryBackend(ModelBackend):
    """`ModelBackend` whose permissions come from `read_permissions`: one query per request."""

    def get_user_permissions(self, user_obj, obj=None):
        if reads_for(user_obj, obj):
            return read_permissions(user_obj).own
        return super().get_user_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None):
        if reads_for(user_obj, obj):
            return read_permissions(user_obj).through_groups
        return super().get_group_permissions(user_obj, obj)

    def get_all_permissions(self, user_obj, obj=None):
        if reads_for(user_obj, obj):
            return read_permissions(user_obj).every
        return super().get_all_permissions(user_obj, obj)

    # The asynchronous checks read the same way (`aget_all_permissions` and `ahas_perm` join these two).
    async def aget_user_permissions(self, user_obj, obj=None):
        return await sync_to_async(self.get_user_permissions)(user_obj, obj)

    async def aget_group_permissions(self, user_obj, obj=None):
        return await sync_to_async(self.get_group_permissions)(user_obj, obj)
