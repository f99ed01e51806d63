"""`python manage.py verify_audit [--archive FILE]`: walk the audit trail's hash chain."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.archive import AuditArchiveError
from audit.management.operator import command_line_operator
from audit.services.verification import audit_chain_verify
from audit.verification import audit_archive_verify


class Command(BaseCommand):
    help = ("Check that no audit record was changed, removed or inserted: walk the on-line trail's hash chain "
            "and name the first broken link. With --archive, check an archive file against its record instead.")

    def add_arguments(self, parser):
        parser.add_argument("--archive", type=Path, metavar="FILE",
                            help="An archive file written by archive_audit.")

    def handle(self, *args, archive: Path | None, **options):
        if archive is not None:
            return self._verify_archive(archive)
        check = audit_chain_verify(checked_by=command_line_operator())
        if not check.intact:
            raise CommandError(check.message)
        self.stdout.write(self.style.SUCCESS(check.message))

    def _verify_archive(self, path: Path) -> None:
        if not path.is_file():
            raise CommandError(f"--archive: {path} is not a file.")
        try:
            check = audit_archive_verify(path=path)
        except AuditArchiveError as error:
            raise CommandError(f"--archive: {error}") from error
        if not check.intact:
            raise CommandError(check.message)
        self.stdout.write(self.style.SUCCESS(check.message))
