"""The console's own settings, plus what only the benchmark needs: a stock Django admin over the
same tables at /stock/ (bench/stock_admin.py), rendered with Django's own admin templates, and a
middleware that reports each response's SQL query count in a header.

Run with the production configuration: DEBUG off, a secret key, no SSL redirect on the
loopback interface (bench/environment.py sets them).
"""

import os
from pathlib import Path

import django

from config.settings import *  # noqa: F403
from config.settings import DATABASES, MIDDLEWARE, STATIC_ROOT, TEMPLATES

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.query_count.QueryCountMiddleware", *MIDDLEWARE]

# The stock admin's pages use Django's admin templates, not the console theme's overrides of them.
TEMPLATES = [
    *TEMPLATES,
    {
        "NAME": "stock",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(django.__file__).parent / "contrib" / "admin" / "templates"],
        "APP_DIRS": False,
        "OPTIONS": TEMPLATES[0]["OPTIONS"],
    },
]

# Where the browser timing (bench/browser_timing.py) collects the static files its server sends,
# compressed by WhiteNoise as a deployment's are, so a benchmark run never writes into the project.
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or STATIC_ROOT

# A page that outlives the benchmark's patience must not keep the database busy afterwards:
# PostgreSQL cancels the statement, or notices the client has gone, and stops.
BENCH_PAGE_TIMEOUT_SECONDS = 120
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    f"-c statement_timeout={(BENCH_PAGE_TIMEOUT_SECONDS + 5) * 1000} -c client_connection_check_interval=1000"
)
