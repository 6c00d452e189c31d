"""Settings for the Kundencenter, read from the environment.

Defaults run locally (SQLite, tasks in-process, mail to the console); production
sets the variables listed in docs/settings.md. A malformed value stops the start with a
message that names the variable.
"""

import os
import re
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
import sentry_sdk
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration
from sentry_sdk.integrations.celery import CeleryIntegration as SentryCeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.utils import BadDsn

from customercenter.env import env_bool, env_int, env_list, env_price, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
# The test suite runs with safe local defaults (no secret key needed, fast hashing).
TESTING = env_bool("DJANGO_TESTING", "pytest" in sys.modules)

# Without a key, local tooling (manage.py check, makemigrations) still runs, but the web
# server and the Celery processes refuse to start (customercenter.startup) and
# `check --deploy` reports the key as insecure.
INSECURE_SECRET_KEY = "django-insecure-local-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or INSECURE_SECRET_KEY


ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"DJANGO_CSRF_TRUSTED_ORIGINS entries must start with http:// or https://, got {_origin!r}"
        )

SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "customercenter",
    "projects",
    "delegation",
    "notifications",
    "tickets",
    "api",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "anymail",
    "django_htmx",
    "template_partials",
    "csp",
    "django_countries",
    "django_guid",
    "ninja",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "customercenter.middleware.private_when_signed_in",
    "django.contrib.messages.middleware.MessageMiddleware",
    "customercenter.middleware.staff_second_factor",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "customercenter.urls"
WSGI_APPLICATION = "customercenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "customercenter.context_processors.navigation",
            ],
        },
    }
]
# Forms render through TEMPLATES (Django's widget templates come with the "django.forms"
# app), so each field renders through the one includes/field.html.
FORM_RENDERER = "customercenter.forms.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "customercenter.User"
AUTHENTICATION_BACKENDS = ["customercenter.auth.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# allauth: e-mail is the login, every address is verified before the account is used.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "customercenter.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "customercenter.forms.PartnerSignupForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kundencenter] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "customercenter.adapters.MFAAdapter"
MFA_TOTP_ISSUER = "Kundencenter"

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django's German formats, with "Uhr" after a time of day ("14.12.2026, 08:00 Uhr").
FORMAT_MODULE_PATH = ["customercenter.formats"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Redis is broker and cache when configured; without it tasks run in-process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must be a redis:// URL, got {REDIS_URL!r}")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Requests only hand outbox rows to the broker; when it is down they must give up at once (the
# periodic job re-sends) instead of kombu's default of reconnecting for seconds per e-mail.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0, "socket_connect_timeout": 2}
CELERY_TIMEZONE = TIME_ZONE
# /healthz reports beat as stale when the sweep has not finished for three intervals.
SWEEP_INTERVAL = timedelta(seconds=env_int("SWEEP_INTERVAL_SECONDS", 300))
CELERY_BEAT_SCHEDULE = {
    "delegation-sweep": {
        "task": "delegation.tasks.sweep",
        "schedule": SWEEP_INTERVAL,
    },
    "resend-unsent-emails": {
        "task": "notifications.tasks.send_pending_emails",
        "schedule": timedelta(minutes=2),
    },
}

# E-mail: console locally; SMTP or any anymail ESP in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kundencenter <kundencenter@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_") and value
}

# Product settings.
PHP_VERSIONS = env_list("PHP_VERSIONS", "8.1,8.2,8.3,8.4")
SSL_CERTIFICATE_PRICE = env_price("SSL_CERTIFICATE_PRICE", "49.00")
DOMAIN_REGISTRATION_PRICE = env_price("DOMAIN_REGISTRATION_PRICE", "12.00")
MAX_DATABASES_PER_PROJECT = env_int("MAX_DATABASES_PER_PROJECT", 50)
MAX_DOMAINS_PER_PROJECT = env_int("MAX_DOMAINS_PER_PROJECT", 100)
PROJECTS_PER_PAGE = env_int("PROJECTS_PER_PAGE", 25)
RELEASE_LINK_DAYS = env_int("RELEASE_LINK_DAYS", 14)
# How long the link of an invitation to join a customer account works.
INVITATION_LINK_DAYS = env_int("INVITATION_LINK_DAYS", 7)
MAX_REQUESTS_PER_CARETAKER_PER_DAY = env_int("MAX_REQUESTS_PER_CARETAKER_PER_DAY", 20)
MAX_PENDING_REQUESTS_PER_PROJECT = env_int("MAX_PENDING_REQUESTS_PER_PROJECT", 10)
MAX_RELEASES_PER_OWNER_PER_DAY = env_int("MAX_RELEASES_PER_OWNER_PER_DAY", 50)
MAX_RESENDS_PER_RELEASE_PER_DAY = env_int("MAX_RESENDS_PER_RELEASE_PER_DAY", 3)
MAX_RESENDS_PER_OWNER_PER_DAY = env_int("MAX_RESENDS_PER_OWNER_PER_DAY", 20)
# Partner API: requests per token and period ("600/10m": 600 per ten minutes), counted in Redis
# (in the process without it).
API_RATE_PER_TOKEN = env_str("API_RATE_PER_TOKEN", "600/10m")
if not re.fullmatch(r"[1-9][0-9]*/([1-9][0-9]*)?[smhd]", API_RATE_PER_TOKEN):
    raise ImproperlyConfigured(
        f"API_RATE_PER_TOKEN must be requests/period such as 600/10m (s, m, h or d), got {API_RATE_PER_TOKEN!r}"
    )
API_RATE_STORAGE = REDIS_URL or "memory://"

SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", "support@localhost")
TICKET_ATTACHMENT_MAX_BYTES = env_int("TICKET_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
TICKET_ATTACHMENTS_PER_MESSAGE = 5
TICKET_MESSAGE_MAX_CHARS = 10_000
MAX_TICKET_MESSAGES_PER_CUSTOMER_PER_DAY = env_int("MAX_TICKET_MESSAGES_PER_CUSTOMER_PER_DAY", 50)

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640

# Security: strict CSP (no inline script or style), secure cookies behind HTTPS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
SECURE_HTTPS = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", SECURE_HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Preloading writes the domain and every subdomain into the browsers' built-in HTTPS lists, which
# takes months to undo: only on request, and only with the year of HSTS the lists demand.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
if SECURE_HSTS_PRELOAD and SECURE_HSTS_SECONDS < 31_536_000:
    raise ImproperlyConfigured("DJANGO_HSTS_PRELOAD needs DJANGO_HSTS_SECONDS of at least 31536000 (a year)")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = (
    # The covering index on caretakerships is a PostgreSQL optimisation; SQLite (local) just ignores it.
    ["models.W040"]
    + (["security.W004", "security.W008"] if DEBUG else [])
    # Not preloading HSTS is a choice (above), not an oversight.
    + ([] if SECURE_HSTS_PRELOAD else ["security.W021"])
)

# Sign-in and what the browser keeps.
# Messages live in the session, not in a cookie: one may carry a one-time secret (a new
# database password), and the cookie storage only signs, it does not encrypt.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Behind the TLS proxy every request comes from the proxy's address, so allauth's login rate
# limits would lock out everyone at once. Tell allauth where the client's address is: how many
# proxies of ours append to X-Forwarded-For, or the header the proxy sets (e.g. X-Real-IP). Leave
# both unset when clients reach the app directly: they could then choose their own address.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("ALLAUTH_TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("ALLAUTH_TRUSTED_CLIENT_IP_HEADER").strip() or None
if ALLAUTH_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"ALLAUTH_TRUSTED_PROXY_COUNT must be 0 or more, got {ALLAUTH_TRUSTED_PROXY_COUNT}")
if ALLAUTH_TRUSTED_CLIENT_IP_HEADER and not re.fullmatch(
    r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*", ALLAUTH_TRUSTED_CLIENT_IP_HEADER
):
    raise ImproperlyConfigured(
        "ALLAUTH_TRUSTED_CLIENT_IP_HEADER must be a header name such as X-Real-IP, "
        f"got {ALLAUTH_TRUSTED_CLIENT_IP_HEADER!r}"
    )
if ALLAUTH_TRUSTED_PROXY_COUNT and ALLAUTH_TRUSTED_CLIENT_IP_HEADER:
    raise ImproperlyConfigured("Set either ALLAUTH_TRUSTED_PROXY_COUNT or ALLAUTH_TRUSTED_CLIENT_IP_HEADER, not both")
# Staff sign in through allauth like everyone (rate limits, second factor; customercenter/urls.py
# sends the admin's own login there). With this on, staff without a second factor must set one up
# before any admin page.
STAFF_REQUIRE_MFA = env_bool("STAFF_REQUIRE_MFA", not DEBUG)

# Logging: one line per record with time, level, logger and the request id (the X-Request-ID
# of the request, or of the request that queued a Celery task); JSON with DJANGO_LOG_FORMAT=json.
LOG_FORMAT = env_str("DJANGO_LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "INFO").strip().upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Through the root handler like everything else, instead of Django's own unformatted one.
        "django": {"level": LOG_LEVEL},
        "django_guid": {"level": "WARNING"},
    },
}
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "EXPOSE_HEADER": False,
    # A worker takes the id from the task's headers and logs through LOGGING. In-process tasks
    # (no Redis) already run inside the request and keep its id.
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True)] if REDIS_URL else [],
}

# Error reporting to Sentry (or a compatible service) when SENTRY_DSN is set. Local variables and
# personal data stay out of the reports: they may hold passwords, release links and addresses.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    try:
        sentry_sdk.init(
            dsn=SENTRY_DSN,
            environment=env_str("SENTRY_ENVIRONMENT", "production"),
            integrations=[DjangoIntegration(), SentryCeleryIntegration()],
            send_default_pii=False,
            include_local_variables=False,
        )
    except BadDsn:
        raise ImproperlyConfigured(f"SENTRY_DSN is not a valid DSN, got {SENTRY_DSN!r}") from None
