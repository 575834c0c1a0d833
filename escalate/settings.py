"""Django settings for Escalate: every value comes from an environment variable.

Zero configuration gives a working service on an SQLite file in ESCALATE_DATA_DIR.
Each variable is documented in the README's "Configuration" section.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

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
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not minimum <= number <= maximum:
        raise SettingError(
            f"{name} must be a whole number from {minimum} to {maximum}, not {value!r}"
        )
    return number


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DATA_DIR = Path(env_str("ESCALATE_DATA_DIR", str(Path.home() / ".escalate"))).expanduser()


def _secret_key() -> str:
    """ESCALATE_SECRET_KEY, or one generated once and kept in the data directory."""
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
    "escalate.accounts",
    "escalate.partnerships",
    "escalate.cases",
    "escalate.notifications",
    "escalate.reports",
    "escalate.core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

# `{{ form }}` renders GOV.UK Design System markup (escalate/core/forms.py).
FORM_RENDERER = "escalate.core.forms.GovukFormRenderer"

_database_url = env_str("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "escalate.sqlite3",
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
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
NOTIFICATION_MAX_ATTEMPTS = env_int("ESCALATE_NOTIFICATION_MAX_ATTEMPTS", 6, 1, 50)
NOTIFICATION_RETRY_SECONDS = env_int("ESCALATE_NOTIFICATION_RETRY_SECONDS", 60, 1, 86400)
REMINDER_GRACE_WORKING_DAYS = env_int("ESCALATE_REMINDER_GRACE_WORKING_DAYS", 2, 0, 60)
DIGEST_HOUR = env_int("ESCALATE_DIGEST_HOUR", 7, 0, 23)
BACKGROUND_WORK = env_bool("ESCALATE_BACKGROUND_WORK", True)
WORKER_POLL_SECONDS = env_int("ESCALATE_WORKER_POLL_SECONDS", 10, 1, 3600)
REMIND_EVERY_MINUTES = env_int("ESCALATE_REMIND_EVERY_MINUTES", 5, 1, 1440)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("ESCALATE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ESCALATE_LOG_LEVEL", "INFO")},
}
