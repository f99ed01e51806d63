"""Reading settings from the environment, strictly.

A setting with a value we cannot understand stops start-up with the setting's name in the
message, so a typo in a deployment is found at boot rather than as odd behaviour later.
"""

import ipaddress
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
KNOWN_DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql", "psql"}


def env_flag(name: str, *, default: bool) -> bool:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of {sorted(TRUE_WORDS | FALSE_WORDS - {''})}, not {raw!r}."
    )


def env_positive_int(name: str, *, default: int) -> int:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of 1 or more, not {raw!r}.")
    return value


def env_secret_key(*, debug: bool) -> str:
    secret_key = env.str("DJANGO_SECRET_KEY", default="")
    if secret_key:
        return secret_key
    if debug:
        return "development-only-secret-key-not-for-production-use-0123456789"
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. It is required when DJANGO_DEBUG is off."
    )


def env_database(*, default_url: str) -> dict:
    url = env.str("DATABASE_URL", default=default_url)
    scheme = urlsplit(url).scheme
    if scheme not in KNOWN_DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL this console supports: {url!r}. "
            "Use postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:////absolute/path.db."
        )
    try:
        database = environ.Env.db_url_config(url)
    except Exception as error:  # django-environ raises several types for a bad URL
        raise ImproperlyConfigured(f"DATABASE_URL could not be read: {error}") from error
    if not database.get("NAME"):
        raise ImproperlyConfigured(f"DATABASE_URL names no database: {url!r}.")
    return database


def env_redis_url() -> str:
    url = env.str("REDIS_URL", default="")
    if url and urlsplit(url).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"REDIS_URL must start with redis:// or rediss://, not {url!r}.")
    return url


def env_networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """A comma-separated list of addresses or networks (`10.0.0.0/8, 192.0.2.7`); none by default."""
    networks = []
    for part in env.list(name, default=[]):
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"{name} must list IP addresses or networks, not {part!r}.") from None
    return tuple(networks)


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def env_local_http_trial(*, debug: bool, allowed_hosts: list[str]) -> bool:
    """DJANGO_LOCAL_HTTP_TRIAL: production settings served over plain http on this machine only,
    for trying the console out; refused unless every allowed host is a loopback name."""
    trial = env_flag("DJANGO_LOCAL_HTTP_TRIAL", default=False)
    if trial and not debug and not set(allowed_hosts) <= LOOPBACK_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_LOCAL_HTTP_TRIAL serves without TLS, so DJANGO_ALLOWED_HOSTS may name only "
            f"{', '.join(sorted(LOOPBACK_HOSTS))}, not {', '.join(allowed_hosts) or 'nothing'}."
        )
    return trial
