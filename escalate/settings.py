"""Django settings for Escalate: every value comes from an environment variable.

Zero configuration gives a working service on an SQLite file in ESCALATE_DATA_DIR.
Each variable is documented in the README's "Configuration" section.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Django's generic classes (ModelAdmin[Case], ModelForm[Agency], ...) can be subscripted
# at run time as well as by the type checker.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent


class SettingError(ImproperlyConfigured, ValueError):
    """An environment variable Escalate cannot use; the message says which and why."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise SettingError(f"{name} must be true or false (or yes/no, on/off, 1/0), not {value!r}")


def env_int(name: str, default: int, minimum: int, maximum: int) -> int:
    value = env_str(name, "")
    if not value:
        return default
    # ASCII digits only: int() would also read "٣" or "²"-like digits of other scripts.
    number = int(value) if re.fullmatch(r"-?[0-9]{1,18}", value, re.ASCII) else None
    if number is None or not minimum <= number <= maximum:
        raise SettingError(
            f"{name} must be a whole number from {minimum} to {maximum}, not {value!r}"
        )
    return number


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DATA_DIR = Path(env_str("ESCALATE_DATA_DIR", str(Path.home() / ".escalate"))).expanduser()


#: Whether ESCALATE_SECRET_KEY is set. Several app servers must share one key (it signs
#: sessions and password reset links), so ``escalate serve`` on PostgreSQL needs it.
SECRET_KEY_FROM_ENVIRONMENT = bool(env_str("ESCALATE_SECRET_KEY", ""))


def _secret_key() -> str:
    """ESCALATE_SECRET_KEY, or one generated once and kept in the data directory (right
    for one server on SQLite; each data directory would make its own)."""
    configured = env_str("ESCALATE_SECRET_KEY", "")
    if configured:
        return configured
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Created readable by its owner only, from the first byte.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as key_file:
            key_file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("ESCALATE_DEBUG", False)
ALLOWED_HOSTS = env_list("ESCALATE_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("ESCALATE_CSRF_TRUSTED_ORIGINS", "")
BASE_URL = env_str("ESCALATE_BASE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "escalate.accounts",
    "escalate.partnerships",
    "escalate.cases",
    "escalate.notifications",
    "escalate.reports",
    "escalate.throttling",
    "escalate.core",
    "escalate.govuk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Headers on every response from here on (CSP, Permissions-Policy, no-store).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "escalate.core.middleware.SecurityHeadersMiddleware",
    "escalate.core.middleware.RefuseMalformedPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "escalate.accounts.middleware.SessionLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "escalate.core.middleware.RefusalLogMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out account before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "escalate.urls"
WSGI_APPLICATION = "escalate.wsgi.application"

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
                "escalate.core.context_processors.escalate",
            ],
        },
    },
]

# `{{ form }}` renders GOV.UK Design System markup (escalate/govuk/forms.py); its date
# fields' "today" is Escalate's clock.
FORM_RENDERER = "escalate.govuk.forms.GovukFormRenderer"
GOVUK_TODAY = "escalate.clock.today"

_database_url = env_str("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No just-in-time compilation: the app's queries are short (OLTP), and where the
        # planner reckoned one costly by table size it compiled it for longer than it
        # ran (the reminder sweep: 1.5 s of compiling for 0.3 s of work).
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "escalate.sqlite3"),
            # Each web thread keeps its connection between requests, as on PostgreSQL: a
            # new one starts with SQLite's caches empty (the schema read again, every
            # query's statement prepared again), 2-8 ms a page.
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                # WAL lets readers carry on while one writer writes; IMMEDIATE takes the
                # write lock at the start of a transaction so two writers queue, not fail.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "escalate.accounts.validators.NotBlankPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
CSRF_FAILURE_VIEW = "escalate.core.views.csrf_failure"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("ESCALATE_TIME_ZONE", "Europe/London")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Made now so WhiteNoise finds it before the first collectstatic (escalate serve runs that).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The compiled GOV.UK Frontend and MoJ Frontend (scripts/setup.sh builds them with npm into
# escalate/static/frontend/). Without them pages use a small stylesheet of our own.
STATICFILES_DIRS = [path for path in [BASE_DIR / "static"] if path.is_dir()]
GOVUK_FRONTEND_BUILT = (BASE_DIR / "static" / "frontend" / "app.css").is_file()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = env_str("ESCALATE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("ESCALATE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ESCALATE_EMAIL_PORT", 25, 1, 65535)
EMAIL_HOST_USER = env_str("ESCALATE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("ESCALATE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ESCALATE_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("ESCALATE_FROM_EMAIL", "Escalate <escalate@localhost>")

# Notifications and reminders (escalate.notifications).
NOTIFY_API_KEY = env_str("ESCALATE_NOTIFY_API_KEY", "")
NOTIFY_TEMPLATE_ID = env_str("ESCALATE_NOTIFY_TEMPLATE_ID", "")
NOTIFICATION_RETRY_SECONDS = env_int("ESCALATE_NOTIFICATION_RETRY_SECONDS", 60, 1, 86400)
REMINDER_GRACE_WORKING_DAYS = env_int("ESCALATE_REMINDER_GRACE_WORKING_DAYS", 2, 0, 60)
DIGEST_HOUR = env_int("ESCALATE_DIGEST_HOUR", 7, 0, 23)
BACKGROUND_WORK = env_bool("ESCALATE_BACKGROUND_WORK", True)
WORKER_POLL_SECONDS = env_int("ESCALATE_WORKER_POLL_SECONDS", 10, 1, 3600)
REMIND_EVERY_MINUTES = env_int("ESCALATE_REMIND_EVERY_MINUTES", 5, 1, 1440)
# Retries go on, with backoff, until this long after the email was queued.
NOTIFICATION_GIVE_UP_HOURS = env_int("ESCALATE_NOTIFICATION_GIVE_UP_HOURS", 72, 1, 720)


# ---------------------------------------------------------------- serving
def _cpus() -> int:
    """The CPUs this process may run on (a container's share, where the system says)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS has no affinity: all of them
        return os.cpu_count() or 1


# ``escalate serve``: this many web worker processes (each a copy of Escalate, so every
# core is used), each answering this many requests at once. On PostgreSQL each web
# worker holds up to THREADS connections (one per thread answering), and the background
# process one more: WORKERS x THREADS + 1 per app server, which with several servers
# must stay under the database's max_connections (100 by default). So by default one
# worker per CPU, but never more than DEFAULT_MOST_WORKERS however large the machine.
DEFAULT_MOST_WORKERS = 8
WORKERS = env_int("ESCALATE_WORKERS", min(_cpus(), DEFAULT_MOST_WORKERS), 1, 64)
THREADS = env_int("ESCALATE_THREADS", 4, 1, 64)
# Whether ``escalate serve`` applies migrations as it starts. On PostgreSQL it holds an
# advisory lock while it does, so servers starting together never race; set false on
# app servers where ``escalate migrate`` is a deliberate release step.
MIGRATE_ON_START = env_bool("ESCALATE_MIGRATE_ON_START", True)

# ---------------------------------------------------------------- HTTPS and headers
# ESCALATE_HTTPS (or the older ESCALATE_SECURE_COOKIES) says Escalate is reached over
# HTTPS: cookies are Secure and __Host- prefixed, plain HTTP is redirected and browsers
# are told to use HTTPS only (HSTS).
HTTPS = env_bool("ESCALATE_HTTPS", env_bool("ESCALATE_SECURE_COOKIES", False))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_NAME = "__Host-escalate-session" if HTTPS else "escalate-session"
CSRF_COOKIE_NAME = "__Host-escalate-csrf" if HTTPS else "escalate-csrf"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("ESCALATE_HSTS_SECONDS", 31536000, 0, 63072000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ESCALATE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("ESCALATE_HSTS_PRELOAD", True)
# Behind a TLS-terminating proxy: the header it sets, e.g. X-Forwarded-Proto (it must
# overwrite any such header from the client).
_proxy_ssl_header = env_str("ESCALATE_PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _proxy_ssl_header.upper().replace("-", "_"),
        "https",
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A strict Content-Security-Policy (django-csp): our own scripts, styles, images and
# fonts only, no inline script or style, never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    }
}
# Nothing in Escalate needs these browser features.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# ---------------------------------------------------------------- sessions
# Signed out after this long without a request (a warning comes first), and in any case
# this long after signing in.
SESSION_IDLE_TIMEOUT_SECONDS = 60 * env_int("ESCALATE_SESSION_IDLE_MINUTES", 30, 2, 720)
SESSION_MAX_AGE_SECONDS = 3600 * env_int("ESCALATE_SESSION_MAX_HOURS", 12, 1, 168)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_SECONDS
# The cookie goes when the browser closes; the server ends idle sessions itself.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# ---------------------------------------------------------------- throttling
# Sign-in (web and administration) to an account from one address is locked after this
# many wrong passwords in a row, for this long (django-axes); the right password does not
# work from there during the lockout. By account and address together, so nobody can lock
# someone else out from elsewhere; each address is also limited to 100 tries an hour.
AXES_FAILURE_LIMIT = env_int("ESCALATE_SIGN_IN_ATTEMPTS", 5, 1, 100)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("ESCALATE_LOCKOUT_MINUTES", 15, 1, 1440))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "escalate.accounts.signing_in.client_address"
AXES_USERNAME_CALLABLE = "escalate.accounts.signing_in.username_for_lockout"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "escalate.accounts.signing_in.locked_out"
AXES_VERBOSE = False
# Other limits (password reset, invitations, emails) count in the database
# (escalate.throttling), shared by every worker and app server.
# Behind proxies that each add the address they saw to X-Forwarded-For: how many to
# trust, so limits count the person's address rather than the proxy's.
TRUSTED_PROXY_HOPS = env_int("ESCALATE_TRUSTED_PROXY_HOPS", 0, 0, 5)

# ---------------------------------------------------------------- logging
# One line per event: time, level, logger, then the message (security events as
# "event.name key=value ..."). Never the person at risk's details, never a submission.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "format": "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": env_str("ESCALATE_LOG_LEVEL", "INFO")},
    "loggers": {
        # django-axes logs each failure itself; we log our own lines (escalate.security).
        "axes": {"level": "ERROR"},
    },
}
