"""Settings for the cadre personnel archive system, driven by environment variables.

One module for every environment. What differs between a laptop (`make run`), CI and production comes from
the environment (or a `.env` file beside manage.py): see `.env.example` and README.md.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# pytest (>= 8.2) exports PYTEST_VERSION: tests run with DEBUG off but over plain HTTP, with a throw-away key.
TESTING = "PYTEST_VERSION" in os.environ
if TESTING:
    os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdefghij")
    for _name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        os.environ.setdefault(_name, "False")
    os.environ.setdefault("SECURE_HSTS_SECONDS", "0")

_DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production-0123456789abcdef"
# With DEBUG off the key must come from the environment. The settings stay importable without it, so that
# commands that sign nothing (makemigrations --check, showmigrations, check --deploy, which reports the missing
# key) still run; the web server and the Celery worker and beat refuse to start (config/secret.py), and anything
# else that reads the empty key gets Django's ImproperlyConfigured.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = _DEV_SECRET

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "core",
    "accounts",
    "archives",
    "borrowing",
    "reviews",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.RejectNulMiddleware",
    "core.middleware.IdleSessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database: SQLite by default (make run), PostgreSQL in CI and production.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and the in-process tasks share the file.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.authentication.UserBackend",  # ModelBackend, loading the user with their unit
    # guardian's object-permission backend, answering for Archive through archives.access (clock, scope,
    # SELF_OR_RELATIVE, 三员分立), so that user.has_perm(perm, archive) agrees with the access policy.
    "archives.access.ObjectPolicyBackend",
]
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]  # guardian looks for its own backend path; ours subclasses it
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None  # no anonymous guardian user: anonymous visitors hold no object permissions

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Login security (configurable per locality)
LOGIN_LOCKOUT_THRESHOLD = env.int("LOGIN_LOCKOUT_THRESHOLD", default=5)
LOGIN_LOCKOUT_DURATION = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)  # hard ceiling of one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie; kept default

# --- Internationalisation
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media files. Media (scans) is private: never served from a public URL.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 200
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# --- Security headers. Production defaults are strict; an intranet without TLS overrides knowingly.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# --- Caches: Redis when configured, else process-local memory. Nothing that must be remembered lives in the cache:
# during a Redis outage core.cache.TolerantRedisCache answers misses and drops writes instead of failing requests.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery: Redis broker when REDIS_URL is set; otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# The audit hash chain is sealed by beat every minute. With no broker (make run, eager tasks) no beat runs, so
# each commit that writes audit events seals them itself. Unset: decided that way (and off under pytest).
AUDIT_SEAL_ON_COMMIT = env.bool("AUDIT_SEAL_ON_COMMIT") if "AUDIT_SEAL_ON_COMMIT" in os.environ else None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2}
# Publishing from a request fails fast when the broker is down (the caller logs it; archives.recovery re-enqueues
# what was lost): a short connect timeout and at most two quick retries, for the broker and for the result store
# (whose default reconnect policy alone would hold a clerk's request for about 20 seconds).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
}
# Lost on-commit tasks (completeness checks, scan renditions) are re-enqueued by beat after this many minutes.
TASK_RECOVERY_MINUTES = env.int("TASK_RECOVERY_MINUTES", default=10)
CELERY_TASK_DEFAULT_QUEUE = "fast"
CELERY_TASK_ROUTES = {
    "archives.tasks.sweep_*": {"queue": "slow"},
    "archives.tasks.fixity_*": {"queue": "slow"},
    "archives.tasks.render_*": {"queue": "slow"},
    "audit.tasks.export_*": {"queue": "slow"},
}

# --- REST framework
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",  # DRF token auth, the user loaded with their unit
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "20/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "干部人事档案管理系统 API",
    "DESCRIPTION": "干部人事档案管理系统的接口说明。所有业务错误均返回 HTTP 400 与 {code, message, field}。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Choice sets named once (several models have a "status" field).
    "ENUM_NAME_OVERRIDES": {
        "ArchiveStatusEnum": "archives.models.ArchiveStatus",
        "MaterialStatusEnum": "archives.models.MaterialStatus",
        "CadreStatusEnum": "archives.models.CadreStatus",
        # Viewing and borrowing (several models have a "kind" field).
        "UnitKindEnum": "accounts.models.UnitKind",
        "CheckoutKindEnum": "borrowing.models.CheckoutKind",
        "CopyKindEnum": "borrowing.models.CopyKind",
        "AccessModeEnum": "borrowing.models.AccessMode",
        "RequestStatusEnum": "borrowing.models.RequestStatus",
        "CheckoutStatusEnum": "borrowing.models.CheckoutStatus",
        "CaseStatusEnum": "reviews.models.CaseStatus",
        # Pre-appointment review (several serializers have a "result" or "outcome" field).
        "ArchiveReviewResultEnum": "reviews.models.ArchiveReviewResult",
        "PersonalMattersResultEnum": "reviews.models.PersonalMattersResult",
        "ComplaintsResultEnum": "reviews.models.ComplaintsResult",
        "CloseOutcomeEnum": "reviews.models.CloseOutcome",
        "FlagStatusEnum": "reviews.models.FlagStatus",
        "DeterminationStatusEnum": "archives.models.DeterminationStatus",
        "DeterminationSubjectEnum": "archives.models.DeterminationSubject",
    },
}

# --- Logging
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Domain settings: what a locality may set differently (docs/domain.md section 12).
ARCHIVE_SETTINGS = {
    # Collection and filing
    "LATE_HANDOVER_DAYS": env.int("LATE_HANDOVER_DAYS", default=31),  # 1 month after formation
    "PENDING_FILING_DAYS": env.int("PENDING_FILING_DAYS", default=31),  # accepted but not filed
    "DIRECTORY_BLANK_ROWS": env.int("DIRECTORY_BLANK_ROWS", default=2),
    # Scans
    "SCAN_MIN_DPI": env.int("SCAN_MIN_DPI", default=200),
    "SCAN_MAX_BYTES": env.int("SCAN_MAX_BYTES", default=30 * 1024 * 1024),
    "SCAN_MAX_PIXELS": env.int("SCAN_MAX_PIXELS", default=80_000_000),
    "SCAN_FORMATS": ("JPEG", "PNG", "TIFF"),
    "DISPLAY_MAX_SIDE": 1600,
    "THUMB_MAX_SIDE": 240,
    # Viewing and borrowing
    "PROBATIONARY_MEMBERS_COUNT": env.bool("PROBATIONARY_MEMBERS_COUNT", default=True),
    "PARTY_MEMBER_RULE_IS_WARNING": env.bool("PARTY_MEMBER_RULE_IS_WARNING", default=False),
    "LOAN_DEFAULT_DAYS": env.int("LOAN_DEFAULT_DAYS", default=7),
    "LOAN_MAX_DAYS": env.int("LOAN_MAX_DAYS", default=15),
    "OVERDUE_REMIND_AGAIN_DAYS": env.int("OVERDUE_REMIND_AGAIN_DAYS", default=3),
    "OVERDUE_ESCALATE_DAYS": env.int("OVERDUE_ESCALATE_DAYS", default=7),
    "VIEW_MAX_DAYS": env.int("VIEW_MAX_DAYS", default=15),  # longest on-site or digital viewing window
    # Transfer
    "RECEIPT_CHASE_DAYS": env.int("RECEIPT_CHASE_DAYS", default=30),
    "TRANSFER_NOTICE_PREFIX": env.str("TRANSFER_NOTICE_PREFIX", default="青组档"),
    # Grading and completeness
    "GRADE_PASS_THRESHOLD": env.float("GRADE_PASS_THRESHOLD", default=90.0),
    "GRADE_EXCELLENT_THRESHOLD": env.float("GRADE_EXCELLENT_THRESHOLD", default=97.0),
    "GRADE_SUBMIT_MONTHS": env.int(
        "GRADE_SUBMIT_MONTHS", default=2
    ),  # new cadre's archive due after appointment
    "APPRAISAL_START_YEAR": env.int("APPRAISAL_START_YEAR", default=1997),
    # Completeness sweep and fixity (issue 7)
    "SWEEP_CHUNK_ARCHIVES": env.int("SWEEP_CHUNK_ARCHIVES", default=1000),  # archives per sweep transaction
    "FIXITY_BATCH_PAGES": env.int("FIXITY_BATCH_PAGES", default=2000),  # page files re-hashed per task run
    # Pre-appointment review thresholds
    "MIN_WORK_AGE": env.int("MIN_WORK_AGE", default=16),
    "MIN_PARTY_AGE": env.int("MIN_PARTY_AGE", default=18),
    "RESUME_GAP_MONTHS": env.int("RESUME_GAP_MONTHS", default=1),
    "LRMX_EMPTY_TEXT": env.str("LRMX_EMPTY_TEXT", default="(无)"),
    # Youngest plausible age at graduation per education level (EDU_AGE_IMPLAUSIBLE)
    "EDU_MIN_AGE_SECONDARY": env.int("EDU_MIN_AGE_SECONDARY", default=15),
    "EDU_MIN_AGE_COLLEGE": env.int("EDU_MIN_AGE_COLLEGE", default=18),
    "EDU_MIN_AGE_BACHELOR": env.int("EDU_MIN_AGE_BACHELOR", default=19),
    "EDU_MIN_AGE_MASTER": env.int("EDU_MIN_AGE_MASTER", default=21),
    "EDU_MIN_AGE_DOCTOR": env.int("EDU_MIN_AGE_DOCTOR", default=24),
    "FOREIGN_DEGREE_VERIFICATION_YEAR": env.int("FOREIGN_DEGREE_VERIFICATION_YEAR", default=2000),
    "REVIEW_GRANT_DAYS": env.int("REVIEW_GRANT_DAYS", default=30),  # reviewer's content grant per case
    "LRMX_MAX_BYTES": env.int("LRMX_MAX_BYTES", default=10 * 1024 * 1024),
    "LRMX_PHOTO_MAX_BYTES": env.int("LRMX_PHOTO_MAX_BYTES", default=5 * 1024 * 1024),
}

# Watermark and PDF font: a TrueType CJK font shipped with the project (WenQuanYi Micro Hei, Apache 2.0).
CJK_FONT_PATH = env.str("CJK_FONT_PATH", default=str(BASE_DIR / "core" / "fonts" / "wqy-microhei.ttc"))

TEST_ARTIFACTS_DIR = BASE_DIR / "test-artifacts"
# Domain settings (core.config) are cached per process and re-read after this many seconds; a change made in this
# process is seen at once. Tests re-read only on change, so query counts do not depend on the clock.
DOMAIN_SETTINGS_TTL = 3600.0 if TESTING else 15.0
if TESTING:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    MEDIA_ROOT = Path(env.str("TEST_MEDIA_ROOT", default=str(BASE_DIR / "test-artifacts" / "media")))
    STORAGES["default"]["OPTIONS"]["location"] = MEDIA_ROOT
