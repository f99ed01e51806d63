import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsconsole.settings")

application = get_wsgi_application()

# What is loaded by now (Django, the apps, their models and admin) lives as long as the process.
# Frozen, the collector stops walking it on every full collection: on a page that makes thousands
# of objects those walks happened every few requests and cost ~70 ms each.
gc.collect()
gc.freeze()
