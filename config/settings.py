"""Settings for the Ops Console, all read from the environment (see README, "Configuration")."""

from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static

from config.environment import (
    env,
    env_database,
    env_flag,
    env_local_http_trial,
    env_networks,
    env_positive_int,
    env_redis_url,
    env_secret_key,
)
from opsconsole.navigation import sidebar_navigation

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_flag("DJANGO_DEBUG", default=False)
SECRET_KEY = env_secret_key(debug=DEBUG)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Unfold before the admin, whose templates it overrides; its basic app config leaves the
    # default site to the admin's, which is the console's (opsconsole/admin_site.py).
    "unfold.apps.BasicAppConfig",
    "unfold.contrib.filters",
    "unfold.contrib.simple_history",
    "unfold.contrib.import_export",
    "opsconsole.admin_site.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "import_export",
    # The second factor at sign-in: authenticator apps (TOTP) and recovery codes (static tokens).
    # Before the console's apps, whose admin unregisters their device admins.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "opsconsole",
    "accounts",
    "payments",
    "batches",
    "support",
    "audit",
    "apilog",
    "dashboard",  # the front page: the panels each app registers in its `dashboard` module
    "search",  # the search box: the kinds of record each app registers in its `search` module
    "axes",
    "csp",
]
# The demo (demo/: its data, its staff and the commands that seed them) is for development and the
# tests, which run with DEBUG on (settings_test.py); production, with DEBUG off, does not install it.
if DEBUG:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    # First: before anything asks whether the request came over https.
    "opsconsole.proxy_headers.ForwardedProtoFromTrustedProxiesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "opsconsole.nul_characters.RefuseNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed for browsers that accept it (static files come compressed from WhiteNoise,
    # above it); above every middleware that reads or writes a response's body, so it compresses
    # what they leave. Django pads compressed responses against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks a session whose sign-in passed the second factor (`request.user.is_verified()`).
    "django_otp.middleware.OTPMiddleware",
    "opsconsole.session_activity.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env_database(default_url=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default runs background tasks in a thread beside the web requests: writers
    # take the lock up front and wait for each other rather than fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "opsconsole.password_rules.UsernameNotInPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# The login form posts no `next` when opened directly: land on the dashboard, not a 404.
LOGIN_REDIRECT_URL = "admin:index"

# Sign-in lockout (django-axes): too many failures for one username from one address lock that
# pair out for a while; other people, and the same person elsewhere, can still sign in. Its backend
# comes first, as django-axes asks. Then the console's ModelBackend, which reads a person's
# permissions and platform restriction in one query (opsconsole/permission_backend.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend", "opsconsole.permission_backend.PermissionsInOneQueryBackend",
]
AXES_FAILURE_LIMIT = env_positive_int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_positive_int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The lockout lasts its stated minutes from the failure that caused it; attempts during it
# are refused (and audited) without extending it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "opsconsole.signin_lockout.lockout_page"
# Axes' own list, plus the second step's codes: a failure's request is kept with these masked.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "recovery-code"]
# Sign-ins are on the audit trail; axes keeps only the failure counts it needs.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
# The second factor (opsconsole/second_factor/): the name an authenticator app shows beside the
# person's username. Wrong codes also count towards the lockout above.
OTP_TOTP_ISSUER = "Ops Console"

# An idle session ends after 15 minutes: a request moves the expiry on when it was last moved more
# than a minute ago (opsconsole/session_activity.py), so a page does not write the session each
# time, and the cookie does not outlive the browser.
SESSION_COOKIE_AGE = env_positive_int("SESSION_IDLE_MINUTES", default=15) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "en-gb"
# Moments on every list and page name their zone (opsconsole/formats/).
FORMAT_MODULE_PATH = ["opsconsole.formats"]
# The first is how CSV and spreadsheet exports write a moment (django-import-export reads this
# setting): in the console's zone with its UTC offset, so the export says which moment it was.
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M",
                          "%Y-%m-%d"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files a browser asks for at the site's root (the icon, on every page), served by WhiteNoise before
# the session is read: answered by Django, a request still carrying the cookie from before signing
# in would find its session ended and tell the browser to forget the cookie, the new one too.
WHITENOISE_ROOT = BASE_DIR / "public"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Production hardening: on whenever DEBUG is off, so `check --deploy` is clean. A local trial over
# plain http (DJANGO_LOCAL_HTTP_TRIAL, loopback hosts only) turns off what needs TLS.
LOCAL_HTTP_TRIAL = env_local_http_trial(debug=DEBUG, allowed_hosts=ALLOWED_HOSTS)
OVER_TLS = not DEBUG and not LOCAL_HTTP_TRIAL
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", default=OVER_TLS)
# The proxy in front says whether the client came over https; the header is believed only from
# the addresses in DJANGO_TRUSTED_PROXIES (opsconsole/proxy_headers.py), anyone could send it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXIES = env_networks("DJANGO_TRUSTED_PROXIES")
SESSION_COOKIE_SECURE = OVER_TLS
CSRF_COOKIE_SECURE = OVER_TLS
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000) if OVER_TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = OVER_TLS
SECURE_HSTS_PRELOAD = OVER_TLS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every asset is served from the console itself. Alpine.js (unfold's front end) evaluates its
# attributes with `new Function`, and unfold and our templates set inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_EVAL],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Celery. Without REDIS_URL (the embedded default) tasks run in-process.
REDIS_URL = env_redis_url()
# The cache every process of the console shares: the platforms' API traffic summaries
# (apilog/traffic_summary.py) and unfold's command palette. It holds keys beside the broker's, so it
# is never cleared (clearing a Redis cache empties its whole database); each entry expires on its own.
# Its calls are bounded like the broker's. Without REDIS_URL, the memory of the one process serving.
CACHES = {"default": {
    "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "opsconsole",
    "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
} if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Every call to the broker is bounded, so a hung Redis (the port open, nothing answering) costs a
# request about three seconds at most: the run stays recorded and the sweep dispatches it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BEAT_SCHEDULE = {
    "sweep-task-runs": {"task": "opsconsole.sweep_task_runs", "schedule": 30.0},
    "refresh-ticket-slas": {"task": "support.refresh_ticket_slas", "schedule": 300.0},
    # The dashboard warns when no walk of the audit chain has run for two hours.
    "verify-audit-chain": {"task": "audit.verify_audit_chain", "schedule": 3600.0},
}

# Background task runs go to Celery with a broker, else to a thread of the web process.
TASK_RUNNER = env.str("TASK_RUNNER", default="celery" if REDIS_URL else "thread")
if TASK_RUNNER not in {"celery", "thread", "inline"}:
    raise ImproperlyConfigured(f"TASK_RUNNER must be celery, thread or inline, not {TASK_RUNNER!r}.")
# Without a broker there is no beat: the serving process runs the schedule above itself
# (opsconsole/periodic_jobs.py), so SLA states, the sweep and the audit walk keep up.
PERIODIC_JOBS_IN_PROCESS = env_flag("PERIODIC_JOBS_IN_PROCESS", default=not REDIS_URL)
# A background run whose worker has not reported for this long is taken over by the sweep.
TASK_RUN_STALE_AFTER_SECONDS = env.int("TASK_RUN_STALE_AFTER_SECONDS", default=120)
# A queued run no worker has picked up this long after it was requested is dispatched again.
TASK_RUN_DISPATCH_GRACE_SECONDS = env.int("TASK_RUN_DISPATCH_GRACE_SECONDS", default=60)
# A background run's chunk that meets a transient database error (a dropped connection, a write
# refused for a moment) is tried again this many times in a row, waiting 1, 2, 4… times the backoff.
TASK_RUN_TRANSIENT_RETRIES = env.int("TASK_RUN_TRANSIENT_RETRIES", default=5)
TASK_RUN_RETRY_BACKOFF_SECONDS = env.float("TASK_RUN_RETRY_BACKOFF_SECONDS", default=0.5)
# Batch entries resubmitted per transaction by the reprocess task: about a third of a second's
# work on two cores, so progress and the heartbeat move several times a second.
BATCH_REPROCESS_CHUNK_SIZE = env.int("BATCH_REPROCESS_CHUNK_SIZE", default=2000)
# The largest export of another tracker the support workspace imports (support/tracker_imports),
# and the rows of one written per transaction by its background task.
SUPPORT_IMPORT_MAX_BYTES = env.int("SUPPORT_IMPORT_MAX_BYTES", default=20_000_000)
SUPPORT_IMPORT_CHUNK_SIZE = env.int("SUPPORT_IMPORT_CHUNK_SIZE", default=1000)
# Where `archive_audit` writes the audit events it moves out of the database
# (docs/decisions/0033-retention-of-the-audit-trail.md).
AUDIT_ARCHIVE_DIR = Path(env.str("AUDIT_ARCHIVE_DIR", default=str(BASE_DIR / "audit-archive")))
# Seals the audit chain's checkpoints (audit/checkpoints.py): a key the database does not hold,
# so whoever can write to the database cannot forge where the trail had reached.
AUDIT_CHECKPOINT_KEY = env.str("AUDIT_CHECKPOINT_KEY", default="") or SECRET_KEY
AUDIT_CHECKPOINT_KEY_FALLBACKS = env.list("AUDIT_CHECKPOINT_KEY_FALLBACKS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

UNFOLD = {
    "SITE_TITLE": "Ops Console",
    "SITE_HEADER": "Ops Console",
    "SITE_SUBHEADER": "Marketplace payments operations",
    "SITE_SYMBOL": "support_agent",
    "SHOW_VIEW_ON_SITE": False,
    "STYLES": [lambda request: static("opsconsole/console.css")],
    "ENVIRONMENT": "opsconsole.navigation.environment_badge",
    "DASHBOARD_CALLBACK": "dashboard.page.dashboard_callback",
    # The palette (Ctrl+K) searches through the console's indexed look-ups (search/finding.py),
    # not unfold's per-model admin search, which would run every admin's search on each keystroke.
    "COMMAND": {"search_models": False, "search_callback": "search.views.command_search_results"},
    "SIDEBAR": {
        "show_search": True,
        "command_search": True,
        "show_all_applications": False,
        "navigation": sidebar_navigation,
    },
}

# Which demo data and scenarios exist, see `manage.py seed_demo`.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="opsconsole-demo")
