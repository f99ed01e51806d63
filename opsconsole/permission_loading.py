"""A signed-in person's permissions and platform restriction in one query per request.

Django's ModelBackend reads a user's own permissions and their groups' permissions in two
queries, the first time a request asks `has_perm`; every console page asks. Every page also asks
which platforms the person may see (opsconsole/platform_access.py). This middleware reads all
three at once (a UNION) and fills the same per-request caches the backend and the platform check
fill, so they find them and ask nothing. Superusers are left alone: Django answers them without
the backend, and they are never limited to some platforms.

The query is the same for everyone but for the person's key, so it is compiled once per worker
(opsconsole/kept_statements.py): every page would otherwise pay for compiling it.
"""

from functools import cache

from django.contrib.auth.models import Permission
from django.db import router
from django.db.models import CharField, IntegerField, Value
from django.db.models.functions import Cast

from opsconsole.kept_statements import QueryValue, Statement, compiled
from opsconsole.platform_access import PLATFORM_ID, platform_access_rows, remember_platform_access

USER_SOURCE, GROUP_SOURCE, PLATFORM_SOURCE = "user", "group", "platform"
THE_PERSON = QueryValue("user_id", IntegerField())


def load_permissions(user) -> None:
    """Fill `user`'s permission caches (ModelBackend's `_user_perm_cache`, `_group_perm_cache`,
    `_perm_cache`) and the platform restriction `visible_platform_ids` keeps, from one query."""
    rows = permissions_statement(router.db_for_read(Permission)).rows({THE_PERSON.name: user.pk})
    found = {USER_SOURCE: set(), GROUP_SOURCE: set()}
    platform_ids = []
    for source, app_label, codename in rows:
        if source == PLATFORM_SOURCE:
            platform_ids.append(None if codename is None else int(codename))
        else:
            found[source].add(f"{app_label}.{codename}")
    user._user_perm_cache = found[USER_SOURCE]
    user._group_perm_cache = found[GROUP_SOURCE]
    user._perm_cache = found[USER_SOURCE] | found[GROUP_SOURCE]
    remember_platform_access(user, platform_ids)


@cache
def permissions_statement(database: str) -> Statement:
    """A person's own permissions, their groups' and their platform restriction, as rows of
    (source, app label, codename or platform id), for `THE_PERSON`."""
    columns = ("source", "content_type__app_label", "codename")
    own = Permission.objects.using(database).filter(user=THE_PERSON).annotate(source=Value(USER_SOURCE))
    through_groups = (Permission.objects.using(database).filter(group__user=THE_PERSON)
                      .annotate(source=Value(GROUP_SOURCE)))
    # The restriction's rows in the permissions' shape: (source, no app label, platform id as text).
    platforms = platform_access_rows(THE_PERSON).using(database).annotate(
        source=Value(PLATFORM_SOURCE),
        no_app_label=Value(None, output_field=CharField()),
        platform_id=Cast(PLATFORM_ID, CharField()),
    )
    return compiled(own.values_list(*columns).order_by().union(
        through_groups.values_list(*columns).order_by(),
        platforms.values_list("source", "no_app_label", "platform_id").order_by(),
        all=True,
    ))


class PermissionsInOneQueryMiddleware:
    """After AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active and not user.is_superuser:
            load_permissions(user)
        return self.get_response(request)
