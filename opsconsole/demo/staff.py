"""Demo staff: one user per role, plus an administrator. Fictional people."""

from django.contrib.auth.models import Group, User

from opsconsole.roles import ROLES, roles_sync

DEMO_NAMES = {
    "ops": ("Priya", "Raman"),
    "lead": ("Marcus", "Bell"),
    "engineer": ("Sofia", "Lindqvist"),
    "developer": ("Dev", "Okonkwo"),
    "auditor": ("Hannah", "Weiss"),
}


def demo_staff_create(*, password: str) -> dict[str, User]:
    roles_sync()
    people = {}
    for role in ROLES:
        first_name, last_name = DEMO_NAMES[role.demo_username]
        user = User.objects.create_user(
            username=role.demo_username, password=password, first_name=first_name, last_name=last_name,
            email=f"{role.demo_username}@opsconsole.example.com", is_staff=True,
        )
        user.groups.add(Group.objects.get(name=role.group_name))
        people[role.demo_username] = user
    people["admin"] = User.objects.create_superuser(
        username="admin", password=password, email="admin@opsconsole.example.com",
        first_name="Console", last_name="Administrator",
    )
    return people
