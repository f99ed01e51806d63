"""Which platforms' data a staff member may see.

Everyone sees every platform unless a superuser limits them to some (`StaffPlatformAccess`).
Each model says how its rows reach their platform, as a class attribute `platform_scope`: the
lookup path from the model to `accounts.Platform`, as a queryset filter writes it — `"platform"`
for an item, `"customer__platform"` for a bank account, `"id"` for the platform itself — or None
for data that is the same for every platform or belongs to none (an article, the audit trail).
Lists, detail pages, inlines, history pages, search, task requests and `explain --as` all restrict
through this module, by that declaration alone. Every model with an admin declares it, None
included, so that a new model cannot be shown unrestricted by forgetting it (a test checks that
each declared path ends at a Platform); a model that declares nothing is treated as None.

A row whose way to its platform ends in no platform (a ticket about no platform, a run on a
batch) belongs to no platform and is seen by everyone who may view its kind. Superusers are never
limited: they hold every permission and manage the limits themselves.
"""

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

from opsconsole.models import StaffPlatformAccess

# The declaration that the object is the platform itself.
THE_PLATFORM_ITSELF = "id"
# Where the user's platforms are kept for the rest of the request (the user object's lifetime).
_CACHE_ATTRIBUTE = "_visible_platform_ids"
# The column of `platform_access_rows` holding a platform the person may see.
PLATFORM_ID = "platforms__id"
_DECLARED = object()


def visible_platform_ids(user) -> frozenset[int] | None:
    """The ids of the platforms `user` may see, or None when they may see every platform.

    One query the first time for a user object, none after: the answer is kept on the object,
    which lives for one request (or one command). The console's authentication backend reads it
    in the same query as the person's permissions (opsconsole/permission_backend.py), which every
    page asks for: asked first, the permissions bring it."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_superuser:
        return None
    if not hasattr(user, _CACHE_ATTRIBUTE):
        user.get_all_permissions()
    if not hasattr(user, _CACHE_ATTRIBUTE):  # under another backend, or for an inactive person
        remember_platform_access(user, list(platform_access_rows(user.pk).values_list(PLATFORM_ID, flat=True)))
    return getattr(user, _CACHE_ATTRIBUTE)


def platform_access_rows(user_id) -> QuerySet:
    """The restriction of the user `user_id` names (their key, or an expression giving it), one
    row per platform it allows once its PLATFORM_ID is selected.

    That selection is a LEFT JOIN: no row means no restriction; a restriction with no platforms
    gives one row whose PLATFORM_ID is NULL."""
    return StaffPlatformAccess.objects.filter(user_id=user_id)


def remember_platform_access(user, platform_ids: list[int | None]) -> None:
    """Keep on `user`, for the rest of the request, what the PLATFORM_IDs of the rows of
    `platform_access_rows` allow, from whichever query read them."""
    visible = frozenset(pk for pk in platform_ids if pk is not None) if platform_ids else None
    setattr(user, _CACHE_ATTRIBUTE, visible)


def platform_scope_of(model: type[Model]) -> str | None:
    """The model's way to its platform, as the model declares it in `platform_scope`; None for
    data of no platform."""
    return getattr(model, "platform_scope", None) or None


def _may_lead_to_no_platform(model: type[Model], platform_scope: str) -> bool:
    for name in platform_scope.split("__"):
        model_field = model._meta.get_field(name)
        if model_field.null:
            return True
        model = model_field.related_model
    return False


def restrict_to_user_platforms(queryset: QuerySet, user, platform_scope: str | None = _DECLARED) -> QuerySet:
    """`queryset` without the rows of platforms `user` may not see: a filter on the path to the
    platform (a join), never a loop. `platform_scope` defaults to the model's declaration.
    Unchanged for a person who sees every platform."""
    if platform_scope is _DECLARED:
        platform_scope = platform_scope_of(queryset.model)
    if not platform_scope:
        return queryset
    platform_ids = visible_platform_ids(user)
    if platform_ids is None:
        return queryset
    visible = Q(**{f"{platform_scope}__in": sorted(platform_ids)})
    if _may_lead_to_no_platform(queryset.model, platform_scope):
        visible |= Q(**{f"{platform_scope}__isnull": True})
    return queryset.filter(visible)


def user_may_see_object(user, obj: Model) -> bool:
    """Whether `obj` is on a platform `user` may see (always, for data of no platform)."""
    if visible_platform_ids(user) is None or not platform_scope_of(type(obj)):
        return True
    return restrict_to_user_platforms(type(obj)._default_manager.filter(pk=obj.pk), user).exists()


def platform_id_of(model: type[Model], pk) -> int | None:
    """The platform of the `model` object with primary key `pk`; None for one of no platform or
    no such object."""
    platform_scope = platform_scope_of(model)
    if not platform_scope:
        return None
    try:
        return model._default_manager.filter(pk=pk).values_list(platform_scope, flat=True).first()
    except (ValueError, TypeError, ValidationError):
        return None
