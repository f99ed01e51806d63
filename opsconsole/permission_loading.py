"""A signed-in person's permissions in one query per request instead of two.

Django's ModelBackend reads a user's own permissions and their groups' permissions in two
queries, the first time a request asks `has_perm`; every console page asks. This middleware reads
both at once (a UNION) and fills the same per-request caches the backend fills, so the backend
finds them and asks nothing. Superusers are left alone: Django answers them without the backend.
"""

from django.contrib.auth.models import Permission
from django.db.models import Value

USER_SOURCE, GROUP_SOURCE = "user", "group"


def load_permissions(user) -> None:
    """Fill `user`'s permission caches (ModelBackend's `_user_perm_cache`, `_group_perm_cache`,
    `_perm_cache`) from one query."""
    own = Permission.objects.filter(user=user).annotate(source=Value(USER_SOURCE))
    through_groups = Permission.objects.filter(group__user=user).annotate(source=Value(GROUP_SOURCE))
    columns = ("source", "content_type__app_label", "codename")
    rows = own.values_list(*columns).order_by().union(through_groups.values_list(*columns).order_by(), all=True)
    found = {USER_SOURCE: set(), GROUP_SOURCE: set()}
    for source, app_label, codename in rows:
        found[source].add(f"{app_label}.{codename}")
    user._user_perm_cache = found[USER_SOURCE]
    user._group_perm_cache = found[GROUP_SOURCE]
    user._perm_cache = found[USER_SOURCE] | found[GROUP_SOURCE]


class PermissionsInOneQueryMiddleware:
    """After AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active and not user.is_superuser:
            load_permissions(user)
        return self.get_response(request)
