"""`python manage.py archive_audit [--older-than-days 90] [--dir PATH]`: move old events to a file."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.archive import ONLINE_DAYS, AuditArchiveError
from audit.management.operator import command_line_operator
from audit.services.archive import audit_events_archive

TOO_RECENT = ("--older-than-days must be at least {days}: the last three months of the "
              "audit trail stay on-line (PCI DSS 10.5.1).")


class Command(BaseCommand):
    help = ("Move audit events older than the on-line window to a gzip JSON-lines file in AUDIT_ARCHIVE_DIR, "
            "record its checksum, then delete them from the database. "
            "See docs/decisions/0033-retention-of-the-audit-trail.md.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=ONLINE_DAYS, metavar="DAYS",
                            help=f"Archive events older than this many days (default {ONLINE_DAYS}, "
                                 "the least allowed).")
        parser.add_argument("--dir", dest="directory", type=Path, default=None, metavar="PATH",
                            help="Where to write the file (default: the AUDIT_ARCHIVE_DIR setting).")

    def handle(self, *args, older_than_days: int, directory: Path | None, **options):
        if older_than_days < ONLINE_DAYS:
            raise CommandError(TOO_RECENT.format(days=ONLINE_DAYS))
        directory = directory or Path(settings.AUDIT_ARCHIVE_DIR)
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"--dir: {directory} is not a directory.")
        older_than = timezone.now() - datetime.timedelta(days=older_than_days)
        try:
            archive = audit_events_archive(older_than=older_than, directory=directory,
                                           archived_by=command_line_operator())
        except AuditArchiveError as error:
            raise CommandError(str(error)) from error
        if archive is None:
            self.stdout.write(f"Nothing to archive: no audit event is older than {older_than:%Y-%m-%d %H:%M %Z}.")
            return
        self.stdout.write(self.style.SUCCESS(
            f"Archived {archive.event_count} audit events (#{archive.first_id}–#{archive.last_id}) "
            f"to {directory / archive.file_name} (SHA-256 {archive.file_sha256})."
        ))

