"""`python manage.py rebuild_api_rollups --since 2026-11-01`: recompute the hourly rollups of the
API request log for some days (after a backfill of the log, or to repair them)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Platform
from apilog.services import api_rollups_rebuild


def parse_day(option: str):
    def parse(value: str) -> datetime.date:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as error:
            raise CommandError(f"{option} must be a date as YYYY-MM-DD, not {value!r}.") from error

    return parse


class Command(BaseCommand):
    help = "Recompute the API request rollups of the given UTC days from the request log."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=parse_day("--since"), required=True, help="First day, YYYY-MM-DD (UTC).")
        parser.add_argument("--until", type=parse_day("--until"), default=None,
                            help="Last day, YYYY-MM-DD (UTC; default: today).")
        parser.add_argument("--platform", default=None, help="Only this platform (its client id).")

    def handle(self, *args, since, until, platform, **options):
        until = until or timezone.now().date()
        if since > until:
            raise CommandError("--since must be on or before --until.")
        chosen = None
        if platform:
            chosen = Platform.objects.filter(client_id=platform).first()
            if chosen is None:
                raise CommandError(f"--platform: there is no platform with client id {platform!r}.")
        written = api_rollups_rebuild(since=since, until=until, platform=chosen)
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {written} rollup rows for {since} to {until}."))
