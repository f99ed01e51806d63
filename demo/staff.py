"""Demo staff: one user per role, plus an administrator. Fictional people."""

from base64 import b32decode
from binascii import hexlify

from django.contrib.auth.models import Group, User
from django_otp.plugins.otp_totp.models import TOTPDevice

from opsconsole.roles import ROLES, roles_sync
from opsconsole.second_factor.services import AUTHENTICATOR_NAME

# The authenticator key of every demo person, the same for all and published in README.md ("Demo
# logins"): added once to an authenticator app, it signs in as any of them. `manage.py
# demo_second_factor_code` shows its current code.
DEMO_AUTHENTICATOR_KEY = "OPSC ONSO LEDE MOSE COND FACT ORKE Y234"


def demo_authenticator_key() -> bytes:
    return b32decode(DEMO_AUTHENTICATOR_KEY.replace(" ", ""))

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
    for person in people.values():
        TOTPDevice.objects.create(user=person, name=AUTHENTICATOR_NAME, key=hexlify(demo_authenticator_key()).decode(),
                                  confirmed=True)
    return people
