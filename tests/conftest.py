import os

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from opsconsole.roles import ROLES

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct-horse-battery"


def require_service(name: str, available: bool) -> None:
    """Skip on a bare machine when a service is missing; in CI a missing service is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{name} is required in CI and is not available")
    pytest.skip(f"{name} is not available on this machine")


def pytest_collection_finish(session):
    """Starts the small benchmark's run in the background (tests/bench_background.py) when a test
    that reads it is to run and the services it needs answer; that test checks them again."""
    from tests.bench_background import postgresql_answers, redis_answers, start_the_benchmark

    if session.config.getoption("collectonly") or not any(item.get_closest_marker("bench") for item in session.items):
        return
    if postgresql_answers() and redis_answers():
        start_the_benchmark()


def pytest_sessionfinish(session):
    from tests.bench_background import remove_the_benchmark

    remove_the_benchmark()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (this process's memory, settings_test.py): a test
    database rolled back brings ids back, and a platform's traffic summary kept under its id by an
    earlier test must not answer for another platform's traffic (apilog/traffic_summary.py)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def audit_archive_dir(settings, tmp_path):
    """Each test's own archive directory: the chain's checkpoints are appended to a file there
    (audit/checkpoints.py), and a test database rolled back must not meet another test's."""
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "audit-archive"
    return settings.AUDIT_ARCHIVE_DIR


def make_staff(username: str, *, group_name: str | None = None, superuser: bool = False) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, is_staff=True, is_superuser=superuser
    )
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return user


def make_demo_staff() -> dict[str, User]:
    """The demo roles by their usernames, plus `nobody` (staff, no role) and `root` (superuser)."""
    people = {role.demo_username: make_staff(role.demo_username, group_name=role.group_name) for role in ROLES}
    people["nobody"] = make_staff("nobody")
    people["root"] = make_staff("root", superuser=True)
    return people


def authenticator_of(person: User) -> TOTPDevice:
    """`person`'s enrolled authenticator app: the one they have, or a new one with a random key."""
    return (TOTPDevice.objects.filter(user=person, confirmed=True).first()
            or TOTPDevice.objects.create(user=person, name="Authenticator app", confirmed=True))


def authenticator_code(device: TOTPDevice) -> str:
    """The code `device`'s app shows now, worked out from its key as the app does (RFC 6238)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def sign_in_verified(client: Client, person: User) -> Client:
    """Sign `client` in as `person` the way both steps of signing in leave a session: signed in,
    and verified by their authenticator app (made if they have none). Django's `force_login`,
    then django-otp's session key naming the device that verified the sign-in."""
    client.force_login(person)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_of(person).persistent_id
    session.save()
    return client


@pytest.fixture
def staff(db):
    """The demo roles by their usernames, plus `nobody` (staff, no role) and `root` (superuser)."""
    return make_demo_staff()


@pytest.fixture
def client_as(staff):
    """`client_as("ops")`: a test client signed in as that demo person (see `staff`), second
    factor included."""

    def logged_in(username: str) -> Client:
        return sign_in_verified(Client(), staff[username])

    return logged_in


@pytest.fixture
def payments_world(db):
    """Two rows of every payments, accounts and batches model, linked (see tests/factories.py)."""
    from tests.factories import make_payments_world

    return make_payments_world(2)


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """For data a whole module reads: one transaction around the module's tests, rolled back
    after the last one. Tests that ask for `db` still run in a savepoint of their own inside it,
    so what a test writes is gone before the next test starts. Not for code that writes from
    another thread or process (background task runs, a live server): it would wait on this
    transaction's lock and would not see its rows."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def module_clients(module_transaction) -> dict[str, Client]:
    """A logged-in test client for each person of `staff`, shared by a module's tests."""
    clients = {}
    for username, person in make_demo_staff().items():
        clients[username] = sign_in_verified(Client(), person)
    return clients
