"""The code an authenticator app shows now for the demo people's key (README.md, "Demo logins"),
to try the console without a phone at hand."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from demo.staff import DEMO_AUTHENTICATOR_KEY, demo_authenticator_key

TOTP_STEP_SECONDS = 30  # django-otp's default, which the demo people's authenticators keep
REFUSE_PRODUCTION = "demo_second_factor_code is for the demo: it refuses to run with DJANGO_DEBUG off."


class Command(BaseCommand):
    help = f"Print the current sign-in code of the demo people's authenticator key ({DEMO_AUTHENTICATOR_KEY})."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(REFUSE_PRODUCTION)
        code = totp(demo_authenticator_key(), step=TOTP_STEP_SECONDS)
        seconds_left = TOTP_STEP_SECONDS - int(time.time()) % TOTP_STEP_SECONDS
        self.stdout.write(f"{code:06d}")
        self.stderr.write(f"Shown by an authenticator app for another {seconds_left} s; a code signs a person in once.")
