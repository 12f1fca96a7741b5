"""dealdesk settings.

Every deploy-time value is read from the environment (or a `.env` file beside
manage.py) through django-environ; `.env.example` lists each one. The defaults
are the embedded ones: SQLite, email printed to the console, no servers needed.
"""
import datetime
import os
import re
from pathlib import Path

import environ
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# CORE
DEBUG = env.bool("DEBUG", default=False)
# Sessions, CSRF tokens and password-reset links are signed with SECRET_KEY: whoever knows it
# can forge them. With DEBUG off the desk refuses to start without a real one (Django's own bar,
# as `check --deploy` applies it). A local run (DEBUG=true) and the test suite (pytest sets
# PYTEST_VERSION for its run, and the worker processes it starts inherit it) may go without:
# they get a throwaway key that `check --deploy` flags.
SECRET_KEY = env("SECRET_KEY", default="")
_KEY_IS_REAL = (
    len(SECRET_KEY) >= SECRET_KEY_MIN_LENGTH
    and len(set(SECRET_KEY)) >= SECRET_KEY_MIN_UNIQUE_CHARACTERS
    and not SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
)
if not _KEY_IS_REAL and not DEBUG and "PYTEST_VERSION" not in os.environ:
    raise ImproperlyConfigured(
        ("SECRET_KEY is not set. " if not SECRET_KEY else
         f"SECRET_KEY is too weak: it needs {SECRET_KEY_MIN_LENGTH} or more characters, "
         f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} or more of them different, "
         f"and not the prefix {SECRET_KEY_INSECURE_PREFIX!r}. ")
        + "With DEBUG off, set SECRET_KEY in the environment (or in .env beside manage.py) to a long "
        "random value of your own, such as the output of\n"
        "    python -c 'import secrets; print(secrets.token_urlsafe(50))'\n"
        "For a local run on this machine, set DEBUG=true instead."
    )
SECRET_KEY = SECRET_KEY or SECRET_KEY_INSECURE_PREFIX + "dealdesk-local-runs-and-tests-only"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute address of the site: the links inside emails, and whether it is served over https.
# `manage.py rundesk` (`make run`) sets it to its own address, port included, when it is unset.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "django_celery_beat",
    "simple_history",
    "axes",
    # The desk's own apps, lowest layer first (docs/architecture.md).
    "deals",
    "parties",
    "instruments",
    "closings",
    "obligations",
    # The project wiring: run command, sample deals, roles.
    "dealdesk",
    "dealdesk.intake",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made each change, for the audit trail.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Throttles failed logins; keep it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dealdesk.urls"
WSGI_APPLICATION = "dealdesk.wsgi.application"

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
                "deals.clock.desk_date_context",
            ],
        },
    },
]

# HTTPS
# An https SITE_URL means the site is served over TLS only: cookies travel only over https,
# browsers are told to come back over https for a year (HSTS), and plain http is redirected.
# Each can be set on its own. Behind a proxy that terminates TLS the app sees plain http: name
# the header the proxy sets (SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https; the proxy must
# overwrite any such header a client sends), or else let the proxy redirect
# (SECURE_SSL_REDIRECT=false) and trust the https origin (CSRF_TRUSTED_ORIGINS).
_SERVED_OVER_HTTPS = SITE_URL.lower().startswith("https://")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_SERVED_OVER_HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_SERVED_OVER_HTTPS)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_SERVED_OVER_HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60 if _SERVED_OVER_HTTPS else 0)
# Both reach beyond this host (preload: into the browsers' built-in lists, slow to undo), so
# they are the operator's explicit choice, and `check --deploy` is not asked to push for them.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
SECURE_PROXY_SSL_HEADER = env.tuple("SECURE_PROXY_SSL_HEADER", default=None)
# A load balancer probes the health check over plain http from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# DATABASE
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The local run has the web app, a worker and beat writing to one file:
    # wait for the lock instead of failing, and let readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# AUTH
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After this many failed logins for one user name from one address, it is locked
# out for AXES_COOLOFF_MINUTES (successful logins reset the count).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every command

# TIME
# Due dates are dates; "today" is the desk's own time zone, not the server's.
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True
# The day the desk reckons "today" from (deals.clock.today), for a demo or a rehearsal: the
# sample agreements date from 2003 and 2005. Empty (production): the real date in TIME_ZONE.
# Timestamps, claims and retries keep real time.
_DESK_DATE = env("DESK_DATE", default="").strip()
try:
    # fromisoformat alone would also take "20050615" or "2005-W24-3".
    if _DESK_DATE and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", _DESK_DATE):
        raise ValueError(_DESK_DATE)
    DESK_DATE = datetime.date.fromisoformat(_DESK_DATE) if _DESK_DATE else None
except ValueError:
    raise ImproperlyConfigured(
        f"DESK_DATE must be a date in the form YYYY-MM-DD (e.g. 2005-06-15), or empty for the real "
        f"date; it is {_DESK_DATE!r}."
    ) from None

# STATIC
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")

# EMAIL
# consolemail:// prints messages; filemail:///path writes one file per message;
# smtp://user:pass@host:25 (or smtp+tls://...:587) sends them.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# The desk's own SMTP backend: Django's, except that a message handed over whose answer never came
# is reported as possibly delivered (obligations.emails.DeliveryUncertain), never retried blindly.
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":  # noqa: F821 (set by the line above)
    EMAIL_BACKEND = "obligations.emails.SMTPBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="dealdesk <dealdesk@localhost>")
# How long to wait for the mail server, as RFC 5321 s.4.5.3.2 allows: 5 minutes for the greeting
# and each command, 10 for the answer to the end of the message (when the server stores it).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=300)
EMAIL_DATA_TIMEOUT = env.float("EMAIL_DATA_TIMEOUT", default=600)

# CELERY
# Default: a broker kept in files under var/broker, so the web app, one worker
# and beat talk to each other with no server; production sets redis://.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = env.path("CELERY_BROKER_DIR", default=BASE_DIR / "var" / "broker")
    for _sub in ("queue", "processed", "control"):
        (Path(_broker_dir) / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(Path(_broker_dir) / "queue"),
        "data_folder_out": str(Path(_broker_dir) / "queue"),
        "processed_folder": str(Path(_broker_dir) / "processed"),
        # Where the exchange tables live (the default is a "control" folder in the working directory).
        "control_folder": str(Path(_broker_dir) / "control"),
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="dealdesk")
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when a worker takes it, and the Redis transport keeps no unacknowledged
# messages. With late acknowledgement a broker restart killed the worker: on losing the connection
# it holds unacknowledged messages (the running task's, or a retry waiting for its countdown), and
# kombu's Redis channel, giving them back while it closes, reaches for a connection already torn
# down (AttributeError: 'NoneType' object has no attribute 'hostname', which Celery treats as
# unrecoverable). Nothing is lost by acknowledging early: the outbox in the database, not the
# broker, says what is still to send, and the next sweep sends what a lost task would have.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = False
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"ack_emulation": False}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Keep trying to reach a broker that is away, at start-up as after a loss, rather than exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# REMINDERS
# Days before a due date on which finance staff are reminded ...
REMINDER_DAYS_BEFORE = env.list("REMINDER_DAYS_BEFORE", cast=int, default=[30, 14, 7, 3, 1, 0])
# ... and, while it stays open, the day after it and then every week.
REMINDER_OVERDUE_FIRST_DAY = env.int("REMINDER_OVERDUE_FIRST_DAY", default=1)
REMINDER_OVERDUE_EVERY_DAYS = env.int("REMINDER_OVERDUE_EVERY_DAYS", default=7)
# A send the mail server did not take is retried after 1, 2, 4, 8, 16, 32 minutes, then hourly:
# the 32nd and last attempt comes 26 hours after the first, so a day-long outage loses nothing.
# Then the reminder shows as failed.
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=32)
REMINDER_RETRY_BASE_SECONDS = env.float("REMINDER_RETRY_BASE_SECONDS", default=60)
REMINDER_RETRY_MAX_SECONDS = env.float("REMINDER_RETRY_MAX_SECONDS", default=3600)
# A reminder claimed by a worker that died is taken up again after this long. A send is cut off
# a minute before (EMAIL_TIMEOUT and EMAIL_DATA_TIMEOUT fit within the default).
REMINDER_CLAIM_TIMEOUT_SECONDS = env.float("REMINDER_CLAIM_TIMEOUT_SECONDS", default=1200)
# Emails a worker claims at once and records together once sent: larger is faster; a worker that
# dies mid-batch leaves this many emails whose outcome is unknown (each then resent once).
REMINDER_BATCH_EMAILS = env.int("REMINDER_BATCH_EMAILS", default=20)
# Who is emailed when a reminder is about to give up, has given up, or may have arrived but
# cannot be confirmed: the desk's own addresses, comma-separated. Empty: the log only.
REMINDER_ALERT_TO = env.list("REMINDER_ALERT_TO", default=[])
# How often beat sweeps for due reminders.
REMINDER_SWEEP_EVERY_MINUTES = env.int("REMINDER_SWEEP_EVERY_MINUTES", default=15)

# DEALDESK
# How far ahead concrete due dates of recurring rules are generated.
DEADLINE_HORIZON_DAYS = env.int("DEADLINE_HORIZON_DAYS", default=400)
# An open occurrence due within this many days shows as "due soon".
DUE_SOON_DAYS = env.int("DUE_SOON_DAYS", default=14)

# HEALTH
# /health/ answers 503 when the broker does not answer within this many seconds ...
HEALTH_BROKER_TIMEOUT_SECONDS = env.float("HEALTH_BROKER_TIMEOUT_SECONDS", default=3)
# ... or when a reminder ready to send has waited longer than this many minutes.
HEALTH_OUTBOX_MAX_WAIT_MINUTES = env.int("HEALTH_OUTBOX_MAX_WAIT_MINUTES", default=60)

# LOGGING
# One line per record, key=value pairs (logfmt) a log shipper can parse:
#   time=2026-12-01T09:00:00+0000 level=INFO logger=obligations.reminders event=reminder_sweep created=3 ...
# The desk's own messages are key=value throughout (README, "Operating it"); other libraries'
# messages follow the logger= field as they come.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "keyvalue": {
            "format": "time=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "keyvalue"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# Celery workers and beat log through the handler above instead of replacing it with their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
