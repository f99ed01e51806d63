"""A migrate (and a test database's flush, which replays its signal) leaves every role's group with
exactly the role's permissions, written once, after every app has made its permissions."""

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext

from opsconsole.roles import ROLES


def send_post_migrate_as_django_does() -> None:
    """post_migrate as `migrate` and `flush` send it: once per app with models, in order."""
    for app_config in apps.get_app_configs():
        if app_config.models_module is not None:
            post_migrate.send(sender=app_config, app_config=app_config, verbosity=0, interactive=False,
                              using=connection.alias, apps=apps, plan=[])


def role_permissions(group: Group) -> set[str]:
    return {f"{permission.content_type.app_label}.{permission.codename}"
            for permission in group.permissions.select_related("content_type")}


def test_every_role_holds_its_permissions_after_a_migrate_that_made_them_anew(db):
    Group.objects.all().delete()
    Permission.objects.all().delete()
    send_post_migrate_as_django_does()
    for role in ROLES:
        assert role_permissions(Group.objects.get(name=role.group_name)) == set(role.permissions), role.group_name


def test_the_roles_are_synced_once_per_migrate_not_once_per_app(db):
    role_names = {role.group_name for role in ROLES}
    with CaptureQueriesContext(connection) as captured:
        send_post_migrate_as_django_does()
    group_reads = [sql for sql in (query["sql"] for query in captured.captured_queries)
                   if sql.startswith('SELECT "auth_group"') and any(name in sql for name in role_names)]
    assert len(group_reads) == len(ROLES)
