"""A superuser's reset of a person's second factor from the command line, through the same
service, rule and audit record as the user screens."""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEvent
from opsconsole.errors import OpsError
from opsconsole.second_factor.services import second_factor_reset


def staff_user(username: str, *, role: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"There is no user {username!r} ({role}).") from None


class Command(BaseCommand):
    help = ("Remove a person's authenticator app and recovery codes, so that they set up an authenticator "
            "again at their next sign-in. Only a superuser may; recorded in the audit trail.")

    def add_arguments(self, parser):
        parser.add_argument("username", help="Whose second factor to reset.")
        parser.add_argument("--as", dest="acting_as", required=True, metavar="SUPERUSER",
                            help="The superuser doing it (recorded as the actor).")
        parser.add_argument("--reason", required=True, help="Why, kept in the audit trail (10 characters or more).")

    def handle(self, *args, username, acting_as, reason, **options):
        person = staff_user(username, role="whose second factor to reset")
        by = staff_user(acting_as, role="--as")
        try:
            removed = second_factor_reset(person=person, by=by, reason=reason, source=AuditEvent.Source.CLI)
        except OpsError as problem:
            raise CommandError(problem.message) from None
        self.stdout.write(self.style.SUCCESS(
            f"Second factor of {username} reset ({removed} device{'' if removed == 1 else 's'} removed): "
            f"they set up an authenticator app again at their next sign-in."))
