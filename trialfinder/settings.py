"""Trialfinder settings: one file, read from the environment.

With no environment at all this runs the embedded default that `make run`
serves: SQLite under var/, Celery tasks run in-process, email printed to the
console and a development secret generated once under var/. DATABASE_URL,
REDIS_URL and the EMAIL_* variables switch to the real services.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
# Installed from the wheel, BASE_DIR is site-packages: var/ goes under the
# directory the site is started from instead.
IN_CHECKOUT = (BASE_DIR / "manage.py").exists()
VAR_DIR = Path(os.getenv("VAR_DIR", (BASE_DIR if IN_CHECKOUT else Path.cwd()) / "var"))


def project_dir(name: str) -> Path:
    """A top-level folder of the checkout (templates/, static/, data/, locale/),
    or the copy the wheel carries inside this package (setup.py)."""
    return BASE_DIR / name if IN_CHECKOUT else Path(__file__).resolve().parent / name


# The trial records that ship with the project (the wheel check imports them).
DATA_DIR = project_dir("data")


def envbool(name: str, default: str = "False") -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.getenv(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envfloat(name: str, default: float) -> float:
    value = os.getenv(name)
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from exc
    if not number > 0:
        raise ImproperlyConfigured(f"{name} must be more than 0, not {value!r}")
    return number


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """postgres://user:pass@host:port/name?sslmode=... or sqlite:///path."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path[1:] if path.startswith("//") else path,
        }
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported")
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    # A database host that drops packets would otherwise hold a request for
    # minutes of TCP retries; failing in seconds gives the patient the 503
    # page with their form (trialfinder/unavailable.py) before gunicorn's timeout.
    options.setdefault("connect_timeout", str(envint("DB_CONNECT_TIMEOUT", 5)))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }


def development_secret() -> str:
    """A secret generated on first use and kept under var/, for local use only."""
    path = VAR_DIR / "development-secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = envbool("DEBUG", "False")

SECRET_KEY = os.getenv("SECRET_KEY", "")
USING_DEVELOPMENT_SECRET = not SECRET_KEY
if USING_DEVELOPMENT_SECRET:
    SECRET_KEY = development_secret()

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

if not DEBUG:
    if USING_DEVELOPMENT_SECRET:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, "
            "or set DEBUG=1 for local development."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is empty. List the host names this site answers to."
        )

# The public address of the site, used for links in emails (no request there).
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.getenv("SITE_NAME", "Trialfinder")
# Where patients write with questions about their data (shown on the privacy page).
CONTACT_EMAIL = os.getenv("CONTACT_EMAIL", "privacy@example.org")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "trials",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id.
    "trialfinder.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Pages are compressed for clients that accept gzip, CSRF forms included.
    # BREACH needs a secret repeated in every response next to text the
    # attacker controls: Django masks the CSRF token with a fresh random value
    # in every response, and this middleware pads each gzip stream with random
    # bytes ("Heal the BREACH", Django 4.2+). Coordinator and share links are
    # secrets only in URLs and emails, and their pages reflect no request input.
    "django.middleware.gzip.GZipMiddleware",
    "trialfinder.middleware.BadInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "trialfinder.middleware.FirstVisitLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "trialfinder.middleware.ContentSecurityPolicyMiddleware",
    "trialfinder.middleware.PrivateTokenPagesMiddleware",
    "trialfinder.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "trialfinder.urls"
WSGI_APPLICATION = "trialfinder.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [project_dir("templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "trialfinder.context_processors.site",
                "trialfinder.context_processors.languages",
            ],
        },
    },
    {
        # Only the trial page's shell, assembled from its stored parts
        # (trialfinder/jinja2.py, trials/trial_pages.py).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [project_dir("templates/jinja2")],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "trialfinder.jinja2.environment"},
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASE_URL = os.getenv("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "trialfinder.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery's broker and the shared cache (rate limits, kept results, the
# FAQ). Without it, tasks run in-process and the cache is per-process memory.
# Pages do without a down or hung Redis (trialfinder/cache.py): a call waits
# at most CACHE_TIMEOUT_SECONDS, then the cache is skipped for
# CACHE_RETRY_SECONDS before it is tried again.
REDIS_URL = os.getenv("REDIS_URL", "")
CACHE_TIMEOUT_SECONDS = envfloat("CACHE_TIMEOUT_SECONDS", 0.25)
CACHE_RETRY_SECONDS = envfloat("CACHE_RETRY_SECONDS", 10)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "trialfinder.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.getenv("CACHE_KEY_PREFIX", "tf"),
            "OPTIONS": {
                "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
                "socket_timeout": CACHE_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate-limit counters while the shared cache is down (trials/ratelimit.py):
# each process counts its own, so limits still hold, per process.
CACHES["ratelimit-local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "trialfinder-ratelimit",
    "OPTIONS": {"MAX_ENTRIES": 10000},
}
# The header and footer every page shares and the home page's content
# ({% sitefragment %}, {% keyedfragment %}: trials/pagecache.py), in each
# process's own memory: no network round trip on a hit, and a deploy (new
# processes) never serves fragments of old templates. Keys name the language
# and the trials shown with their update times; old entries are culled.
# (A trial's own page is assembled from parts stored in the database when the
# trial is written: trials/trial_pages.py.)
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "trialfinder-pages",
    "TIMEOUT": 24 * 3600,
    "OPTIONS": {"MAX_ENTRIES": envint("PAGE_CACHE_MAX_ENTRIES", 1000)},
}

# A results page of the trial list (the cards, the count and what was
# searched) is kept in the shared cache for this many seconds under its
# query and language (trials/pagecache.py): a popular search ("cancer") is
# answered without searching again. A trial's own page is always current;
# its card in a kept list may be this old. 0 turns it off.
SEARCH_RESULTS_CACHE_SECONDS = envint("SEARCH_RESULTS_CACHE_SECONDS", 60)

# Rate limits of the contact form (trials/ratelimit.py), counted in the cache
# above: messages one IP address or one email address may send per window.
# 0 turns a limit off.
INQUIRY_RATE_LIMIT_WINDOW_SECONDS = envint("INQUIRY_RATE_LIMIT_WINDOW_SECONDS", 3600)
INQUIRY_RATE_LIMIT_PER_IP = envint("INQUIRY_RATE_LIMIT_PER_IP", 20)
INQUIRY_RATE_LIMIT_PER_EMAIL = envint("INQUIRY_RATE_LIMIT_PER_EMAIL", 10)
# Identical messages (trial, email, names, text) within this many seconds
# are one inquiry: a double click or a resubmitted form sends nothing twice.
INQUIRY_DEDUPE_SECONDS = envint("INQUIRY_DEDUPE_SECONDS", 600)

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "False" if REDIS_URL else "True")
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task that is not acknowledged within this time is handed out again by
# Redis; every retry delay and every sweeper threshold stays below it.
CELERY_VISIBILITY_TIMEOUT = envint("CELERY_VISIBILITY_TIMEOUT", 3600)
# A hung Redis (it accepts connections and never answers) must not hold up
# a patient's submit: a broker command gives up after half a second and a
# publish is not retried (about 0.9 s in all, tests/test_broker_hung.py);
# the sweeper sends what could not be queued. A healthy Redis answers in well
# under a millisecond, the worker's own waits (BRPOP) are not socket reads.
BROKER_TIMEOUT_SECONDS = 0.5
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    "socket_timeout": BROKER_TIMEOUT_SECONDS,
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_SECONDS
CELERY_TIMEZONE = "UTC"

# The outbox (trials/outbox.py). A transient SMTP error is retried after
# OUTBOX_RETRY_BASE_SECONDS, doubling up to OUTBOX_RETRY_MAX_SECONDS, at most
# OUTBOX_MAX_ATTEMPTS sends in all. The sweeper re-queues rows left queued or
# sending for OUTBOX_STUCK_AFTER_SECONDS. Keep: longest retry delay < stuck
# threshold < CELERY_VISIBILITY_TIMEOUT, and the threshold well above EMAIL_TIMEOUT.
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 6)
OUTBOX_RETRY_BASE_SECONDS = envint("OUTBOX_RETRY_BASE_SECONDS", 30)
OUTBOX_RETRY_MAX_SECONDS = envint("OUTBOX_RETRY_MAX_SECONDS", 240)
OUTBOX_STUCK_AFTER_SECONDS = envint("OUTBOX_STUCK_AFTER_SECONDS", 300)
OUTBOX_SWEEP_EVERY_SECONDS = envint("OUTBOX_SWEEP_EVERY_SECONDS", 60)
if not OUTBOX_RETRY_MAX_SECONDS < OUTBOX_STUCK_AFTER_SECONDS < CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "Need OUTBOX_RETRY_MAX_SECONDS < OUTBOX_STUCK_AFTER_SECONDS < CELERY_VISIBILITY_TIMEOUT"
    )
# Inquiries: the coordinator's signed link lifetime, the escalation of a
# message nobody answers (working days, trials/followup.py: a reminder after
# INQUIRY_REMINDER_DAYS, then the central contact after INQUIRY_ESCALATION_DAYS
# more), and how long contact details are kept.
INQUIRY_LINK_MAX_AGE_DAYS = envint("INQUIRY_LINK_MAX_AGE_DAYS", 60)
INQUIRY_REMINDER_DAYS = envint("INQUIRY_REMINDER_DAYS", 3)
INQUIRY_ESCALATION_DAYS = envint("INQUIRY_ESCALATION_DAYS", 3)
INQUIRY_RETENTION_DAYS = envint("INQUIRY_RETENTION_DAYS", 365)
# The operators' mailbox: alerts only (an email to a study team that failed).
# Never a route for a patient's message (trials/recipients.py).
INQUIRY_FALLBACK_EMAIL = os.getenv("INQUIRY_FALLBACK_EMAIL", "") or os.getenv(
    "CONTACT_EMAIL", "privacy@example.org"
)
# Patient Notification Services (trials/subscriptions.py): how long the signed
# confirmation link and the manage/unsubscribe links work, sign-up limits per
# connection (per hour) and per address (emails per day), and the daily digest.
SUBSCRIPTION_CONFIRM_MAX_AGE_DAYS = envint("SUBSCRIPTION_CONFIRM_MAX_AGE_DAYS", 7)
SUBSCRIPTION_LINK_MAX_AGE_DAYS = envint("SUBSCRIPTION_LINK_MAX_AGE_DAYS", 365)
SUBSCRIPTION_SIGNUPS_PER_IP_PER_HOUR = envint("SUBSCRIPTION_SIGNUPS_PER_IP_PER_HOUR", 10)
SUBSCRIPTION_EMAILS_PER_ADDRESS_PER_DAY = envint("SUBSCRIPTION_EMAILS_PER_ADDRESS_PER_DAY", 3)
SUBSCRIPTION_DIGEST_HOUR_UTC = envint("SUBSCRIPTION_DIGEST_HOUR_UTC", 7)
# Heartbeats of the worker and beat (trials/heartbeat.py), read by /healthz:
# how often each shows it is alive, and when /healthz/all calls one stopped.
HEARTBEAT_SECONDS = envint("HEARTBEAT_SECONDS", 60)
HEARTBEAT_STALE_SECONDS = envint("HEARTBEAT_STALE_SECONDS", 300)

# Following the registry (trials/registry_sync.py): the API's address, how
# often beat runs the sync (0: never), and how politely it asks.
CTGOV_API_URL = os.getenv("CTGOV_API_URL", "https://clinicaltrials.gov/api/v2")
REGISTRY_SYNC_EVERY_HOURS = envint("REGISTRY_SYNC_EVERY_HOURS", 24)
REGISTRY_SYNC_PAGE_SIZE = envint("REGISTRY_SYNC_PAGE_SIZE", 1000)
REGISTRY_SYNC_REQUESTS_PER_MINUTE = envint("REGISTRY_SYNC_REQUESTS_PER_MINUTE", 50)
REGISTRY_SYNC_TIMEOUT_SECONDS = envint("REGISTRY_SYNC_TIMEOUT_SECONDS", 60)
REGISTRY_SYNC_RETRIES = envint("REGISTRY_SYNC_RETRIES", 5)
REGISTRY_SYNC_STALE_MINUTES = envint("REGISTRY_SYNC_STALE_MINUTES", 30)

# Background work, in one place. Each task sits beside the service it calls;
# the worker imports these modules. Beat runs the schedule below, the only
# one (no task module adds entries), with its own scheduler
# (trialfinder/celery.py), which also records beat's heartbeat.
CELERY_IMPORTS = [
    "trials.outbox",
    "trials.followup",
    "trials.subscriptions",
    "trials.anonymise",
    "trials.heartbeat",
    "trials.seo",
    "trials.registry_sync",
    "trials.import_jobs",
    "trials.trial_pages",
]
CELERY_BEAT_SCHEDULER = "trialfinder.celery:HeartbeatScheduler"
CELERY_BEAT_SCHEDULE = {
    # Re-queues any email stuck in the outbox (trials/outbox.py).
    "outbox-sweep": {
        "task": "trials.outbox.outbox_sweep_task",
        "schedule": OUTBOX_SWEEP_EVERY_SECONDS,
    },
    "heartbeat": {"task": "trials.heartbeat.heartbeat_task", "schedule": HEARTBEAT_SECONDS},
    # The sitemap index's pages (trials/seo.py), after staff's edits; imports
    # refresh them at once.
    "sitemap-refresh": {"task": "trials.seo.sitemap_blocks_refresh_task", "schedule": 3600},
    # What the registry changed since the last run (trials/registry_sync.py);
    # REGISTRY_SYNC_EVERY_HOURS=0 leaves it out.
    **(
        {
            "registry-sync": {
                "task": "trials.registry_sync.registry_sync_task",
                "schedule": max(REGISTRY_SYNC_EVERY_HOURS, 1) * 3600,
            }
        }
        if REGISTRY_SYNC_EVERY_HOURS
        else {}
    ),
    # The one reminder to a site that has not answered (trials/followup.py).
    "inquiry-reminders": {"task": "trials.followup.inquiry_reminders_task", "schedule": 3600},
    "subscriptions-digest": {
        "task": "trials.subscriptions.subscriptions_digest_task",
        "schedule": crontab(hour=SUBSCRIPTION_DIGEST_HOUR_UTC, minute=0),
    },
    # Retention (trials/anonymise.py): every copy of a patient's details,
    # daily. Sessions never outlive the inquiry retention period.
    "inquiries-anonymise": {"task": "trials.anonymise.inquiries_anonymise_task", "schedule": 86400},
    "subscriptions-unconfirmed-delete": {
        "task": "trials.anonymise.subscriptions_unconfirmed_delete_task",
        "schedule": 86400,
    },
    "share-links-expired-delete": {
        "task": "trials.anonymise.share_links_expired_delete_task",
        "schedule": 86400,
    },
    "sessions-expired-delete": {
        "task": "trials.anonymise.sessions_expired_delete_task",
        "schedule": 86400,
    },
    "team-links-expired-delete": {
        "task": "trials.anonymise.team_links_expired_delete_task",
        "schedule": 86400,
    },
}
SESSION_COOKIE_AGE = min(14 * 24 * 3600, INQUIRY_RETENTION_DAYS * 24 * 3600)

# Email: printed to the console unless an SMTP host is given.
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
    EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "False")
    EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
else:
    EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Trialfinder <noreply@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The domain part of the Message-IDs we generate.
EMAIL_MESSAGE_ID_DOMAIN = os.getenv("EMAIL_MESSAGE_ID_DOMAIN", "trialfinder.example.org")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The site's languages (README: "Adding a language"). English is the default
# and the fallback for content staff have not translated yet; the others are
# served under their prefix (/zh-hans/...). Compiled catalogues are built by
# `make messages` (run by `make run`, `make test`, the image and CI).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [project_dir("locale")]
# Dates through the `date` filter's DATE_FORMAT, localised per language.
FORMAT_MODULE_PATH = ["trialfinder.formats"]
LANGUAGE_COOKIE_NAME = "tf_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [project_dir("static")]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# In development whitenoise serves straight from static/; production runs collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The admin lives at a path of the operator's choosing.
ADMIN_URL = os.getenv("ADMIN_URL", "admin/").strip("/") + "/"
# Wrong staff passwords allowed per address and username before sign-in
# stops for the lockout (trials/admin/login.py).
ADMIN_LOGIN_FAILURE_LIMIT = envint("ADMIN_LOGIN_FAILURE_LIMIT", 5)
ADMIN_LOGIN_LOCKOUT_SECONDS = envint("ADMIN_LOGIN_LOCKOUT_SECONDS", 900)

# Security headers. Cookies are secure unless running locally in DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "False" if DEBUG else "True")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "False")
# Behind a reverse proxy: trust its X-Forwarded-Proto, and take the client's
# address for rate limits from X-Forwarded-For (trials.ratelimit.client_ip):
# TRUSTED_PROXY_COUNT is how many proxies of ours append to it.
BEHIND_PROXY = envbool("BEHIND_PROXY")
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 1)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
# Only once every subdomain serves HTTPS: browsers remember both for the
# whole HSTS lifetime, and the preload list for much longer.
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD")
# The health check answers plain HTTP from inside the container network.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/all)?$", r"^livez$"]

# Link tokens never reach a log (trialfinder/logfilters.py): the filter sits on
# the loggers that write request paths and on the handler everything reaches.
# Operators (trialfinder/observability.py): every log line carries its
# request's id (or its task's); LOG_FORMAT json (the default without DEBUG)
# writes one JSON object a line for a log collector, text the plain lines.
# SENTRY_DSN reports errors to Sentry, with no patient's details; /metrics
# serves Prometheus metrics to a scraper that sends METRICS_TOKEN (unset: no
# /metrics); with several gunicorn workers, PROMETHEUS_MULTIPROC_DIR (an
# empty folder each start) gathers every worker's counts.
LOG_FORMAT = os.getenv("LOG_FORMAT", "") or ("text" if DEBUG else "json")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
SENTRY_DSN = os.getenv("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = os.getenv("SENTRY_ENVIRONMENT", "production")
SENTRY_TRACES_SAMPLE_RATE = float(os.getenv("SENTRY_TRACES_SAMPLE_RATE", "") or 0)
METRICS_TOKEN = os.getenv("METRICS_TOKEN", "")
PROMETHEUS_MULTIPROC_DIR = os.getenv("PROMETHEUS_MULTIPROC_DIR", "")
if SENTRY_DSN:
    from trialfinder.observability import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_tokens": {"()": "trialfinder.logfilters.RedactTokens"},
        "request_id": {"()": "trialfinder.observability.RequestIdFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "trialfinder.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_tokens", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {
        # Every django.* record through the filtered handler (CSRF refusals,
        # for one, log the path), once; ADMINS is not set, so no mail goes.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["redact_tokens"]},
        # runserver's request lines (Django's own config stops their propagation).
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_tokens"],
        },
    },
}

# Study-team accounts (trials/team_access.py): how long an emailed sign-in
# link works, how long a claim or invitation link works, and how many sign-in
# links one connection or one address may ask for per hour.
TEAM_SIGN_IN_LINK_MINUTES = envint("TEAM_SIGN_IN_LINK_MINUTES", 15)
TEAM_INVITE_LINK_DAYS = envint("TEAM_INVITE_LINK_DAYS", 7)
TEAM_SIGN_IN_PER_IP_PER_HOUR = envint("TEAM_SIGN_IN_PER_IP_PER_HOUR", 10)
TEAM_SIGN_IN_PER_ADDRESS_PER_HOUR = envint("TEAM_SIGN_IN_PER_ADDRESS_PER_HOUR", 5)
