import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Platform
from audit.models import AuditEvent
from audit.services.recording import record_event
from demo.api_traffic import api_traffic_create
from demo.builder import DemoBuilder, demo_today
from demo.scenarios import SCENARIOS, DemoWorld
from demo.staff import DEMO_AUTHENTICATOR_KEY, demo_staff_create
from demo.support import support_demo_create
from demo.volume import volume_create

REFUSE_PRODUCTION = (
    "seed_demo writes fictional data and demo logins; it refuses to run with DJANGO_DEBUG off. "
    "Use --force if this really is a demo database."
)


def parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today must be a date as YYYY-MM-DD, not {value!r}.") from error


class Command(BaseCommand):
    help = "Fill the database with the demo: staff for every role, every support scenario, and volume."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1,
                            help="Multiplies the everyday traffic (default 1: 40 items).")
        parser.add_argument("--seed", type=int, default=7, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--today", type=parse_date, default=None,
                            help="The day the demo is anchored to, YYYY-MM-DD (default: today).")
        parser.add_argument("--force", action="store_true",
                            help="Run even with DEBUG turned off after start-up (as the test runner does).")

    def handle(self, *args, scale, seed, today, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(REFUSE_PRODUCTION)
        if scale < 0:
            raise CommandError("--scale must be 0 or more.")
        if Platform.objects.exists():
            self.stdout.write("The database already holds platforms: the demo is not seeded again.")
            return
        with transaction.atomic():
            staff = demo_staff_create(password=settings.DEMO_PASSWORD)
            # Anchored to 09:30 UTC on a given day, so that day's demo is the same every time;
            # by default to this moment.
            if today:
                builder = DemoBuilder(seed=seed, today=today)
            else:
                builder = DemoBuilder(seed=seed, today=demo_today(), now=timezone.now())
            world = DemoWorld(builder, staff)
            for scenario in SCENARIOS:
                scenario(world)
            items = volume_create(world, scale=scale)
            api_requests = api_traffic_create(world, scale=scale)
            support_demo_create(staff=staff, now=builder.now)
            # The trail starts with the seeding itself: an empty trail fails verification.
            record_event(AuditEvent.Action.IMPORT, source=AuditEvent.Source.CLI, actor_name="seed_demo",
                         summary=f"Demo data seeded: {len(SCENARIOS)} scenarios, {items} everyday items",
                         details={"scale": scale, "seed": seed})
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {len(SCENARIOS)} scenarios, {items} everyday items and {api_requests} API requests."))
        self.stdout.write(
            f"Demo logins (password {settings.DEMO_PASSWORD!r}): " + ", ".join(sorted(staff))
        )
        self.stdout.write(
            f"Their second factor: authenticator key {DEMO_AUTHENTICATOR_KEY} (add it to an authenticator app), "
            f"or `python manage.py demo_second_factor_code` for the current code."
        )
