"""Beacon settings, read from the environment.

Every value has an embedded default that lets `manage.py start` run on a fresh machine with
nothing but Python (SQLite, an on-disk broker, a generated secret key). Setting
`DATABASE_URL` and `REDIS_URL` switches to PostgreSQL and Redis. A malformed value stops the
process with an error that names the variable, rather than running with a guess.
"""

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from statuspage.oidc_settings import (
    SINGLE_ID,
    ProviderPolicy,
    check_issuer,
    parse_group_roles,
    parse_providers,
)
from statuspage.oidc_settings import app as oidc_app

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BEACON_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false or yes/no.")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def envfloat(name: str, default: float, *, minimum: float = 0.0, maximum: float = 1.0) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name}={value} must be between {minimum} and {maximum}.")
    return value


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def _embedded_secret_key() -> str:
    """A key generated once and kept under var/, for the embedded mode only."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = envbool("DEBUG", False)
DATABASE_URL = env("DATABASE_URL")
REDIS_URL = env("REDIS_URL")
# Embedded mode: no DATABASE_URL, so SQLite and an on-disk broker; meant for one machine.
EMBEDDED = not DATABASE_URL

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DATABASE_URL is set (production). "
            'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    SECRET_KEY = _embedded_secret_key()
# Older secret keys, comma-separated, still accepted for sessions and signed values while they
# expire after SECRET_KEY changed (and for second-factor secrets when MFA_ENCRYPTION_KEY is
# unset: statuspage/mfa_secrets.py).
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS")

SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlparse(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} must be an absolute http(s) URL.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", f"{_site.hostname},127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", SITE_URL)

# BEACON_HTTPS=1 behind TLS: secure cookies, HSTS and the redirect to https.
HTTPS = envbool("BEACON_HTTPS", _site.scheme == "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "django_htmx",
    "events",
    "pages",
    "components",
    "incidents",
    "maintenance",
    "public",
    "subscribers",
    "api",
    "operator_api",
    "hooks",
    "monitors",
    "snapshots",
    "ops",
]

MIDDLEWARE = [
    "statuspage.health.HealthCheckMiddleware",
    "statuspage.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "statuspage.middleware.NotModifiedMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before allauth's: while sign-in is off, /accounts/ answers 404 without allauth seeing it.
    "statuspage.signin.SignInMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "statuspage.urls"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

WSGI_APPLICATION = "statuspage.wsgi.application"
ASGI_APPLICATION = "statuspage.asgi.application"

DB_CONNECT_TIMEOUT = envint("DB_CONNECT_TIMEOUT", 2, minimum=1)
# Seconds PostgreSQL has to answer one query of a web or worker process (statement_timeout, and
# a client-side bound one second later for a server that never answers: statuspage/db/base.py).
DB_QUERY_TIMEOUT = envint("DB_QUERY_TIMEOUT", 5, minimum=0)
if EMBEDDED:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "beacon.sqlite3",
            # Kept open a minute, as PostgreSQL's are: opening one (and its PRAGMAs) every second
            # was the larger part of a web process's idle check of the outbox.
            "CONN_MAX_AGE": 60,
            # web, worker and scheduler share the file; wait for a lock instead of failing
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"),
            },
        }
    }
else:
    try:
        _db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Fail fast when PostgreSQL is down or hung, so operators see a clear 503 within seconds.
        _db["ENGINE"] = "statuspage.db"
        _db.setdefault("OPTIONS", {})["connect_timeout"] = DB_CONNECT_TIMEOUT
        _db["CONN_HEALTH_CHECKS"] = True
    DATABASES = {"default": _db}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Passwords (and groups, for accounts given permissions by hand) through ModelBackend; each
# operator's permissions on the pages they belong to through their memberships (pages/access.py).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "pages.access.MembershipBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Caches: Redis when configured (shared by all processes), else local memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Security. Public pages set no cookies; the admin's cookies are scoped to it.
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS and envbool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and envbool("SECURE_HSTS_PRELOAD", False)
# Preloading is opt-in: it binds the whole registered domain (not just the status page's host)
# to HTTPS for months and is hard to undo, so it is the company's call, not a default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if envbool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "https:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 1_048_576, minimum=1024)

# The web server's threads per process (read by statuspage/web.py too), and how many of them
# are kept for stored documents and health checks, never waiting inside Django on a dependency.
WEB_THREADS = envint("WEB_THREADS", 12, minimum=1)
WEB_RESERVED_THREADS = envint("WEB_RESERVED_THREADS", 4, minimum=0)

# Admin login throttling: attempts per window, per client address and per username.
# Per username from one address; per address whatever the usernames (statuspage/admin_site.py).
LOGIN_ATTEMPTS_LIMIT = envint("LOGIN_ATTEMPTS_LIMIT", 5, minimum=1)
LOGIN_ATTEMPTS_ADDRESS_LIMIT = envint("LOGIN_ATTEMPTS_ADDRESS_LIMIT", 20, minimum=1)
LOGIN_ATTEMPTS_WINDOW = envint("LOGIN_ATTEMPTS_WINDOW", 300, minimum=1)

# Operator sign-in (docs/sign-in.md): django-allauth, for single sign-on through one OpenID
# Connect provider and for a second factor (TOTP with recovery codes). All of it is off unless
# configured: then /admin/login/ stays Django's own password form, throttled as above. Once
# OIDC_ISSUER or MFA_ENABLED/MFA_REQUIRED is set, the admin's login sends operators to
# /accounts/login/, where password attempts are throttled the same way (statuspage/signin.py).
SIGNIN_OIDC_ISSUER = env("OIDC_ISSUER").rstrip("/")
SIGNIN_OIDC_NAME = env("OIDC_NAME", "Single sign-on")
# Password sign-in refused to everyone but superusers (kept as the way in when the IdP is down),
# whether the provider comes from OIDC_ISSUER or from the admin.
SIGNIN_OIDC_REQUIRED = envbool("OIDC_REQUIRED", False)
# Only these email domains may sign in through the provider (empty: any the provider vouches for).
SIGNIN_OIDC_ALLOWED_DOMAINS = [domain.lower() for domain in envlist("OIDC_ALLOWED_DOMAINS")]
# Providers that never say an email is verified (Microsoft Entra ID sends no email_verified):
# take their emails as verified. Only with an issuer of your own tenant, where users cannot set
# their email themselves; never with a multi-tenant one.
SIGNIN_OIDC_TRUST_EMAIL = envbool("OIDC_TRUST_EMAIL", False)
SIGNIN_MFA_REQUIRED = envbool("MFA_REQUIRED", False)
SIGNIN_MFA_ENABLED = envbool("MFA_ENABLED", False) or SIGNIN_MFA_REQUIRED
# The key the second factor's secrets are encrypted with in the database, kept apart from
# SECRET_KEY so that rotating one never touches the other (statuspage/mfa_secrets.py); unset,
# one is derived from SECRET_KEY. Older keys stay readable as fallbacks until
# `manage.py encrypt_mfa_secrets` has re-encrypted every secret.
SIGNIN_MFA_ENCRYPTION_KEY = env("MFA_ENCRYPTION_KEY")
SIGNIN_MFA_ENCRYPTION_KEY_FALLBACKS = envlist("MFA_ENCRYPTION_KEY_FALLBACKS")
for _key in [SIGNIN_MFA_ENCRYPTION_KEY, *SIGNIN_MFA_ENCRYPTION_KEY_FALLBACKS]:
    if _key and len(_key) < 32:
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEY and its fallbacks must be at least 32 characters long, such as "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))' prints."
        )
if SIGNIN_MFA_ENCRYPTION_KEY_FALLBACKS and not SIGNIN_MFA_ENCRYPTION_KEY:
    raise ImproperlyConfigured("MFA_ENCRYPTION_KEY_FALLBACKS is set: set MFA_ENCRYPTION_KEY too.")
if SIGNIN_OIDC_ISSUER:
    SIGNIN_OIDC_ISSUER = check_issuer(SIGNIN_OIDC_ISSUER, "OIDC_ISSUER")
    if not (env("OIDC_CLIENT_ID") and env("OIDC_CLIENT_SECRET")):
        raise ImproperlyConfigured("OIDC_ISSUER is set: set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.")
# More providers beside (or instead of) OIDC_ISSUER, each with a button of its own: a JSON list
# of {"id", "name", "issuer", "client_id", "client_secret", "allowed_domains", "trust_email"}
# (statuspage/oidc_settings.py).
_oidc_providers = parse_providers(env("OIDC_PROVIDERS"))
_oidc_apps = (
    [
        oidc_app(
            provider_id=SINGLE_ID,
            name=SIGNIN_OIDC_NAME,
            issuer=SIGNIN_OIDC_ISSUER,
            client_id=env("OIDC_CLIENT_ID"),
            secret=env("OIDC_CLIENT_SECRET"),
        )
    ]
    if SIGNIN_OIDC_ISSUER
    else []
)
# Each configured provider's name, allowed domains and trust in its emails, by id. Providers
# added in the admin follow OIDC_ALLOWED_DOMAINS and OIDC_TRUST_EMAIL.
SIGNIN_OIDC_POLICIES: dict[str, ProviderPolicy] = (
    {
        SINGLE_ID: ProviderPolicy(
            name=SIGNIN_OIDC_NAME,
            allowed_domains=SIGNIN_OIDC_ALLOWED_DOMAINS,
            trust_email=SIGNIN_OIDC_TRUST_EMAIL,
            groups_claim=env("OIDC_GROUPS_CLAIM", "groups").strip() or "groups",
            group_roles=parse_group_roles(env("OIDC_GROUP_ROLES"), "OIDC_GROUP_ROLES"),
        )
    }
    if SIGNIN_OIDC_ISSUER
    else {}
)
for _app, _id, _policy in _oidc_providers:
    if _id in SIGNIN_OIDC_POLICIES:
        raise ImproperlyConfigured(
            f"OIDC_PROVIDERS: id {_id!r} is the one OIDC_ISSUER's provider has; choose another."
        )
    SIGNIN_OIDC_POLICIES[_id] = _policy
    _oidc_apps.append(_app)
SOCIALACCOUNT_PROVIDERS: dict[str, Any] = {
    "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": _oidc_apps}
}
ACCOUNT_ADAPTER = "statuspage.signin.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "statuspage.signin.SocialAccountAdapter"
MFA_ADAPTER = "statuspage.signin.MFAAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_REDIRECT_URL = "/accounts/login/"
# Sessions last as long as the admin's own login makes them (SESSION_COOKIE_AGE).
ACCOUNT_SESSION_REMEMBER = True
LOGIN_REDIRECT_URL = "/admin/"
LOGIN_URL = "/accounts/login/"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_QUERY_EMAIL = True
# Operators are matched by the adapter (verified email, staff only), never by allauth itself.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 5
# Security keys (WebAuthn) as a second factor too, beside the app; not as a password's stand-in.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
# Browsers offer WebAuthn on https and on http://localhost; the check of the origin follows.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS
MFA_TOTP_ISSUER = "Beacon"
# A code of the step before or after is accepted too: phones' clocks drift.
MFA_TOTP_TOLERANCE = 1
# Asking for the password again before a second factor is added or removed, after this long.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300

# Celery. Embedded mode uses kombu's filesystem transport so that web, worker and beat, each in
# its own process, share a queue without Redis.
CELERY_TASK_ALWAYS_EAGER = False
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # kombu's Redis transport, but a task that finishes after its channel closed on a lost
    # connection does not take the worker down with it (statuspage/redis_transport.py).
    CELERY_BROKER_TRANSPORT = "statuspage.redis_transport:Transport"
    # Every broker call has a bound: a Redis that accepts connections and never answers fails a
    # publish in seconds (and nudges are published off the request thread: statuspage/broker.py).
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "socket_timeout": 5,
        "socket_connect_timeout": 2,
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange tables; kombu's default is a "control" folder in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
MAINTENANCE_TICK_SECONDS = envint("MAINTENANCE_TICK_SECONDS", 30, minimum=1)

# Uptime: the share of an outage's minutes that count as downtime, by component status.
UPTIME_WEIGHT_MAJOR_OUTAGE = envfloat("UPTIME_WEIGHT_MAJOR_OUTAGE", 1.0)
UPTIME_WEIGHT_PARTIAL_OUTAGE = envfloat("UPTIME_WEIGHT_PARTIAL_OUTAGE", 0.3)
UPTIME_WEIGHT_DEGRADED_PERFORMANCE = envfloat("UPTIME_WEIGHT_DEGRADED_PERFORMANCE", 0.0)
UPTIME_DAYS = envint("UPTIME_DAYS", 90, minimum=1)

# Markdown bodies larger than this are refused with a validation error.
MAX_BODY_CHARS = envint("MAX_BODY_CHARS", 20_000, minimum=100)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Request warnings print the path, where the alert hooks carry an API key (hooks/redact.py).
    "filters": {"redact_keys": {"()": "hooks.redact.RedactKeys"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_keys"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

CELERY_BEAT_SCHEDULE = {
    "run-scheduled-maintenance": {
        "task": "maintenance.tasks.run_scheduled_maintenance",
        "schedule": float(MAINTENANCE_TICK_SECONDS),
        # A tick the worker could not take in time is dropped rather than piled up; not under
        # 30 s, so that a short tick on a busy machine (or the file broker's polling) still runs.
        "options": {"expires": float(max(MAINTENANCE_TICK_SECONDS, 30))},
    },
    # Operators are reminded of incidents left open (reminder_intervals); hours, so a minute
    # is precise enough, and a run missed while beat was down sends one catch-up reminder.
    "remind-open-incidents": {
        "task": "incidents.tasks.send_incident_reminders",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
}

# Who acts on an outbox event once its transaction commits (events.services.nudge), in this
# order: each is handed the event's id and must return at once; what a nudge misses, the
# consumer's own sweep finds in the outbox (the subscribers' sweeper, the snapshot poller).
OUTBOX_CONSUMERS = [
    "subscribers.tasks.nudge_event",  # fan the notifications out into deliveries
    "snapshots.publisher.nudge",  # re-render what the public reads
]

# Snapshots: the public pages, API and feeds pre-rendered into files under SNAPSHOT_DIR and served
# from there, without PostgreSQL or Redis (snapshots/). Each web process checks the outbox every
# SNAPSHOT_CHECK_SECONDS (0: on every request, for tests) and re-renders time-relative documents
# after SNAPSHOT_REFRESH_SECONDS. The PUBLIC_CACHE_* values go into public responses'
# Cache-Control, for browsers (max-age) and shared caches such as CDNs (the others).
SNAPSHOT_DIR = Path(env("SNAPSHOT_DIR", str(VAR_DIR / "snapshots")))
# The public pages' documents also as plain files, one directory per host name, for a web server
# in front of Beacon to send itself (snapshots/files.py, deploy/nginx/beacon.conf); "" for none.
PUBLIC_FILES_DIR = env("PUBLIC_FILES_DIR", str(VAR_DIR / "public"))
SNAPSHOT_CHECK_SECONDS = envint("SNAPSHOT_CHECK_SECONDS", 1, minimum=0)
SNAPSHOT_REFRESH_SECONDS = envint("SNAPSHOT_REFRESH_SECONDS", 60, minimum=1)
PUBLIC_CACHE_MAX_AGE = envint("PUBLIC_CACHE_MAX_AGE", 5, minimum=0)
PUBLIC_CACHE_S_MAXAGE = envint("PUBLIC_CACHE_S_MAXAGE", 1, minimum=0)
PUBLIC_CACHE_STALE_WHILE_REVALIDATE = envint("PUBLIC_CACHE_STALE_WHILE_REVALIDATE", 30, minimum=0)
PUBLIC_CACHE_STALE_IF_ERROR = envint("PUBLIC_CACHE_STALE_IF_ERROR", 86400, minimum=0)
# A fallback: each process publishes its own writes as they commit, and each web process checks
# every SNAPSHOT_CHECK_SECONDS. In embedded mode every writer is on this machine, so beat's round
# comes every 30 s, which is a third of the tasks (and of the idle CPU) it would cost at 10 s.
CELERY_BEAT_SCHEDULE["publish-snapshots"] = {
    "task": "snapshots.tasks.publish_snapshots",
    "schedule": 30.0 if EMBEDDED else 10.0,
    "options": {"expires": 30.0},
}

# Notifications. Email goes through Django's email backend: SMTP from EMAIL_* (the default), or
# an email service provider through django-anymail (EMAIL_BACKEND=anymail.backends.postmark...,
# with ANYMAIL_* keys). Webhook subscribers are signed with HMAC-SHA256.
_email_backend = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
if _email_backend == "django.core.mail.backends.smtp.EmailBackend":
    _email_options: dict[str, Any] = {
        "host": env("EMAIL_HOST", "localhost"),
        "port": envint("EMAIL_PORT", 25, minimum=1),
        "username": env("EMAIL_HOST_USER"),
        "password": env("EMAIL_HOST_PASSWORD"),
        "use_tls": envbool("EMAIL_USE_TLS", False),
        "use_ssl": envbool("EMAIL_USE_SSL", False),
        "timeout": envint("EMAIL_TIMEOUT", 20, minimum=1),
    }
else:
    _email_options = {}
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"status@{_site.hostname}")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# django-anymail's settings: every ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"], so each
# provider's keys are set the way its anymail docs name them (ANYMAIL_MAILGUN_API_KEY,
# ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY, ANYMAIL_SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY, ...).
ANYMAIL: dict[str, Any] = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and name != "ANYMAIL_" and value
}
ANYMAIL.setdefault("POSTMARK_SERVER_TOKEN", env("POSTMARK_SERVER_TOKEN"))
# "user:password" that the provider's tracking webhook sends as HTTP basic auth; without it the
# tracking webhook is not served at all (subscribers/tracking.py).
_webhook_secret = ANYMAIL.get("WEBHOOK_SECRET", "")
_user, _colon, _password = _webhook_secret.partition(":")
if _webhook_secret and not (_user and _colon and _password):
    raise ImproperlyConfigured(
        "ANYMAIL_WEBHOOK_SECRET must be user:password (the basic-auth credentials the email "
        "provider's tracking webhook sends), e.g. beacon:a-long-random-password."
    )
# Messages per second across all workers (shared through Redis, else per process), each
# provider with a limit of its own: email's is NOTIFY_RATE_PER_SECOND, the others' defaults sit
# under what the providers document for one account or app (Slack and Discord count per
# incoming webhook; these are the totals across all of them), overridden by NOTIFY_RATES,
# e.g. "slack=50,twilio=5". A provider not named here gets the generic webhook's limit.
NOTIFY_RATE_PER_SECOND = envint("NOTIFY_RATE_PER_SECOND", 50, minimum=1)
NOTIFY_RATE_DEFAULTS = {
    "webhook": 100,
    "slack": 100,
    "teams": 50,
    "discord": 50,
    "google_chat": 50,
    "twilio": 10,
}


def _notify_rates(value: str) -> dict[str, int]:
    rates = dict(NOTIFY_RATE_DEFAULTS)
    known = ", ".join(sorted(NOTIFY_RATE_DEFAULTS))
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, equals, number = (piece.strip() for piece in item.partition("="))
        if name == "email":
            raise ImproperlyConfigured(
                "NOTIFY_RATES: email's rate is set by NOTIFY_RATE_PER_SECOND; leave it out here."
            )
        if name not in NOTIFY_RATE_DEFAULTS:
            raise ImproperlyConfigured(
                f"NOTIFY_RATES: {name!r} is not a provider Beacon sends through ({known})."
            )
        if not equals or not number.isdigit() or int(number) < 1:
            raise ImproperlyConfigured(
                f"NOTIFY_RATES: {item!r} must be provider=messages per second, a whole number "
                'of at least 1, e.g. NOTIFY_RATES="slack=50,twilio=5".'
            )
        rates[name] = int(number)
    return rates


NOTIFY_RATES = _notify_rates(env("NOTIFY_RATES"))
# Attempts before a delivery is marked failed; retries back off exponentially from the base.
NOTIFY_MAX_ATTEMPTS = envint("NOTIFY_MAX_ATTEMPTS", 8, minimum=1)
NOTIFY_RETRY_BASE_SECONDS = envint("NOTIFY_RETRY_BASE_SECONDS", 30, minimum=1)
NOTIFY_SWEEP_SECONDS = envint("NOTIFY_SWEEP_SECONDS", 30, minimum=1)
NOTIFY_BATCH_SIZE = envint("NOTIFY_BATCH_SIZE", 100, minimum=1)
# Seconds one webhook attempt may take in all (connect, send, answer); then it is retried.
NOTIFY_WEBHOOK_TIMEOUT = envint("NOTIFY_WEBHOOK_TIMEOUT", 10, minimum=1)
# Webhooks one sender has in flight at once, so a slow endpoint holds up only itself.
NOTIFY_WEBHOOK_CONCURRENCY = envint("NOTIFY_WEBHOOK_CONCURRENCY", 8, minimum=1)
# A sender's claim on its deliveries lasts this long and is renewed while it works; the sweeper
# hands back the deliveries of a lease that ran out (a dead sender). Longer than one attempt.
NOTIFY_LEASE_SECONDS = envint(
    "NOTIFY_LEASE_SECONDS",
    max(30, NOTIFY_WEBHOOK_TIMEOUT + 10),
    minimum=NOTIFY_WEBHOOK_TIMEOUT + 5,
)
if env("NOTIFY_CLAIM_TIMEOUT_SECONDS"):
    raise ImproperlyConfigured(
        "NOTIFY_CLAIM_TIMEOUT_SECONDS is gone: a sender's claim is now a lease it renews. "
        "Set NOTIFY_LEASE_SECONDS (default 30) instead, or unset it."
    )
# Webhooks to private, loopback and link-local addresses are refused unless this is on.
NOTIFY_ALLOW_PRIVATE_WEBHOOKS = envbool("NOTIFY_ALLOW_PRIVATE_WEBHOOKS", False)
# Chat webhooks (Slack, Teams, Discord, Google Chat) go to each provider's own hosts only; this
# adds hosts per channel, as "slack=hooks.proxy.example,discord=127.0.0.1" (tests, a proxy).
NOTIFY_CHAT_HOSTS: dict[str, list[str]] = {}
for _entry in envlist("NOTIFY_CHAT_HOSTS"):
    _channel, _equals, _host = _entry.partition("=")
    if not (_equals and _channel.strip() and _host.strip()):
        raise ImproperlyConfigured(
            f"NOTIFY_CHAT_HOSTS entry {_entry!r} must be channel=host, e.g. slack=127.0.0.1."
        )
    NOTIFY_CHAT_HOSTS.setdefault(_channel.strip(), []).append(_host.strip())
# SMS through Twilio's Messages API: off until the account, its token and the sender are set.
# TWILIO_FROM is a number in E.164 (+14155550100) or a Messaging Service SID (MG...);
# TWILIO_API_BASE moves the API (tests point it at a local server).
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN")
TWILIO_FROM = env("TWILIO_FROM")
TWILIO_API_BASE = env("TWILIO_API_BASE", "https://api.twilio.com")
# The inbound webhook's URL as Twilio calls it, when a proxy in front rewrites it (the signature
# covers the URL); blank: the URL of the request as it arrives.
TWILIO_INBOUND_URL = env("TWILIO_INBOUND_URL")
# Ask Twilio to report each text's fate to <page URL>/sms/twilio/status, so numbers that turn out
# unknown or landlines are suppressed; off where the page's URL does not reach Beacon.
TWILIO_STATUS_CALLBACKS = envbool("TWILIO_STATUS_CALLBACKS", True)
# Texts one subscriber gets in 24 hours at most; over it an alert is not sent (failed, with the
# reason). 0: no cap.
SMS_DAILY_CAP = envint("SMS_DAILY_CAP", 20, minimum=0)
# Private pages (pages/viewers.py): how long a viewer stays signed in, and how many sign-in links
# one client address may ask for per hour.
VIEWER_SESSION_DAYS = envint("VIEWER_SESSION_DAYS", 14, minimum=1)
VIEWER_LINK_LIMIT_PER_IP = envint("VIEWER_LINK_LIMIT_PER_IP", 20, minimum=1)
# Subscribe form: requests per client address per hour.
SUBSCRIBE_LIMIT_PER_IP = envint("SUBSCRIBE_LIMIT_PER_IP", 20, minimum=1)
CELERY_BEAT_SCHEDULE["sweep-notifications"] = {
    "task": "subscribers.tasks.sweep",
    "schedule": float(NOTIFY_SWEEP_SECONDS),
    "options": {"expires": float(max(NOTIFY_SWEEP_SECONDS, 30))},
}
# Built-in monitors (monitors/). A worker runs the checks of its own region (blank: the checks
# without a region); checks to private, loopback or link-local targets are refused unless allowed.
MONITOR_REGION = env("MONITOR_REGION")
MONITOR_ALLOW_PRIVATE_TARGETS = envbool("MONITOR_ALLOW_PRIVATE_TARGETS", False)
# Extra CA certificates (a PEM file) HTTPS checks trust besides the system's: an internal CA.
MONITOR_CA_FILE = env("MONITOR_CA_FILE")
if MONITOR_CA_FILE and not Path(MONITOR_CA_FILE).is_file():
    raise ImproperlyConfigured(f"MONITOR_CA_FILE={MONITOR_CA_FILE!r} is not a file.")
# How long each check's result is kept; hourly roll-ups are kept for good.
MONITOR_RESULT_RETENTION_DAYS = envint("MONITOR_RESULT_RETENTION_DAYS", 30, minimum=1)
# Monitor results rolled up per hour (the hours in progress, so late results fold in), and
# deleted in bounded batches once past MONITOR_RESULT_RETENTION_DAYS (monitors/rollups.py).
CELERY_BEAT_SCHEDULE["roll-up-monitor-results"] = {
    "task": "monitors.tasks.roll_up_monitor_results",
    "schedule": 300.0,
    "options": {"expires": 300.0},
}
CELERY_BEAT_SCHEDULE["purge-monitor-results"] = {
    "task": "monitors.tasks.purge_monitor_results",
    "schedule": 3600.0,
    "options": {"expires": 3600.0},
}
# Monitors' scheduling (monitors/scheduling.py): beat plans the checks due before its next plan
# every MONITOR_PLAN_SECONDS, each for when it falls due, and a worker claims them
# MONITOR_BATCH_SIZE at a time. Checks of a region go to `monitors.<region>` (CELERY_TASK_ROUTES).
# Embedded mode plans every 30 s, as it publishes (idle CPU); checks still start when due.
MONITOR_PLAN_SECONDS = envint("MONITOR_PLAN_SECONDS", 30 if EMBEDDED else 10, minimum=1)
MONITOR_BATCH_SIZE = envint("MONITOR_BATCH_SIZE", 100, minimum=1)
CELERY_TASK_ROUTES = ["monitors.scheduling.route_task"]
CELERY_BEAT_SCHEDULE["plan-monitor-checks"] = {
    "task": "monitors.tasks.plan_checks",
    "schedule": float(MONITOR_PLAN_SECONDS),
    # A tick not taken in time is dropped: the next one plans the same checks again.
    "options": {"expires": float(MONITOR_PLAN_SECONDS)},
}
