import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Beat's schedule, in this process, where there is no broker and so no beat (`make run`).
from opsconsole.periodic_jobs import periodic_jobs_start  # noqa: E402 (needs the application's settings)

periodic_jobs_start()

# What is loaded by now (Django, the apps, their models and admin) lives as long as the process.
# Frozen, the collector stops walking it on every full collection: on a page that makes thousands
# of objects those walks came every few requests, each costing more than the page's own work
# (docs/decisions/0065-garbage-collection-frozen-at-start.md).
gc.collect()
gc.freeze()
