"""The console's authentication backend: Django's `ModelBackend`, reading a person's own
permissions, their groups' permissions and their platform restriction in one query.

`ModelBackend` reads a person's own and their groups' permissions in two queries, and the platform
check (opsconsole/platform_access.py) reads the restriction in a third; every console page asks
all three. This backend reads them together the first time a request asks for a permission, keeps
the permissions on the user object under its own attribute, and hands the restriction to the
platform check. It answers as `ModelBackend` does, through the methods Django documents for a
backend to override; superusers, inactive people and per-object checks are `ModelBackend`'s own
answers.
"""

from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import CharField, Value
from django.db.models.functions import Cast

from opsconsole.platform_access import PLATFORM_ID, platform_access_rows, remember_platform_access

# Where a person's permissions are kept on their user object, for as long as it lives (a request).
KEPT_PERMISSIONS = "opsconsole_permission_backend_read"
USER_SOURCE, GROUP_SOURCE, PLATFORM_SOURCE = "user", "group", "platform"


@dataclass(frozen=True)
class PersonsPermissions:
    """A person's permissions as "app_label.codename": their own, and through their groups."""

    own: set[str]
    through_groups: set[str]
    every: set[str]


def access_rows(user_id: int):
    """The person's own permissions, their groups' and their platform restriction, as rows of
    (source, app label, codename or platform id as text), in one statement."""
    columns = ("source", "content_type__app_label", "codename")
    own = Permission.objects.filter(user=user_id).annotate(source=Value(USER_SOURCE))
    through_groups = Permission.objects.filter(group__user=user_id).annotate(source=Value(GROUP_SOURCE))
    # The restriction's rows in the permissions' shape: (source, no app label, platform id as text).
    platforms = platform_access_rows(user_id).annotate(
        source=Value(PLATFORM_SOURCE),
        no_app_label=Value(None, output_field=CharField()),
        platform_id=Cast(PLATFORM_ID, CharField()),
    )
    return own.values_list(*columns).order_by().union(
        through_groups.values_list(*columns).order_by(),
        platforms.values_list("source", "no_app_label", "platform_id").order_by(),
        all=True,
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
