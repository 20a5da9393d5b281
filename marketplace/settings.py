"""Settings read from the environment (see CONTRACT.md, "Environment").

With nothing set the site runs on SQLite and the in-memory channel layer; ``DATABASE_URL`` and
``REDIS_URL`` move it to PostgreSQL and Redis.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DEBUG")
HTTPS = env_flag("HTTPS")
# Webhooks may go to private, loopback and link-local addresses (tests, on-premise installs).
WEBHOOK_ALLOW_PRIVATE = env_flag("WEBHOOK_ALLOW_PRIVATE")
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-development-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tables2",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "huey.contrib.djhuey",
    "marketplace",
    "cabinet",
    "pricing",
    "auctions",
    "ratings",
]

MIDDLEWARE = [
    "marketplace.proxies.ForwardedProtoMiddleware",  # X-Forwarded-Proto only from TRUSTED_PROXIES
    "django.middleware.security.SecurityMiddleware",
    "marketplace.middleware.BadQueryMiddleware",  # a NUL in the query string: 400 before anything reads it
    "marketplace.bodies.BodyLimitMiddleware",  # a body over REQUEST_MAX_BYTES: 413 before anything reads it
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "marketplace.middleware.ActiveOrganizationMiddleware",
    "marketplace.api.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketplace.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Persistent connections: the auction sockets' worker threads would otherwise open one per
        # bid (~3-5 ms outside the lock each); checked before reuse, so a restarted database is fine.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads (the live server of the browser tests, daphne's sync workers) share the file.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DATABASES["default"].setdefault("TEST", {})
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"]["NAME"] = os.environ["TEST_DATABASE_NAME"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "marketplace.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # The pub/sub layer delivers ~30% more frames per second than the list-based one and has no
    # per-group connection pool to exhaust on a mass disconnect (PERFORMANCE.md).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("CHANNEL_PREFIX", "marketplace")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "marketplace"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work (huey): SQLite storage on one machine, Redis when REDIS_URL is set. The consumer
# is `python manage.py run_huey` (bin/run starts it). Tests run tasks immediately (tests/conftest.py).
HUEY = {
    "name": os.environ.get("HUEY_NAME", "marketplace"),
    "huey_class": "huey.RedisHuey" if REDIS_URL else "huey.SqliteHuey",
    "connection": {"url": REDIS_URL}
    if REDIS_URL
    else {"filename": os.environ.get("HUEY_SQLITE", str(BASE_DIR / "huey.sqlite3"))},
    "immediate": os.environ.get("HUEY_IMMEDIATE") == "1",
    "utc": True,
    "consumer": {"workers": int(os.environ.get("HUEY_WORKERS", "2")), "worker_type": "thread", "periodic": True},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts: login by email, mandatory verification, optional TOTP for everyone who wants it.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "marketplace.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Supplier Marketplace"
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("vi", _("Vietnamese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["marketplace.formats"]  # one date format per language (marketplace/formats/)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media-not-public/"  # documents are served only through views that check access
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "marketplace.staticfiles.FallbackManifestStorage"
    },
}
# Before collectstatic has run (tests, a first start) pages link the unhashed names
# (marketplace.staticfiles) and whitenoise serves the files from the apps' folders.
WHITENOISE_USE_FINDERS = DEBUG or not (STATIC_ROOT / "staticfiles.json").exists()
WHITENOISE_MANIFEST_STRICT = False

# Absolute links in emails (notifications) start with this.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Supplier Marketplace <noreply@localhost>")

if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "marketplace.api.authentication.ApiKeyAuthentication",
        "marketplace.api.authentication.ReadOnlySessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["marketplace.api.permissions.IsOrganizationMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "marketplace.api.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "marketplace.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "marketplace.api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_CLASSES": ["marketplace.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": os.environ.get("API_RATE_LIMIT", "600/min")},
}
# Sync cursors hold back rows changed in the last seconds (marketplace.api.sync).
SYNC_SETTLE_SECONDS = 2
SPECTACULAR_SETTINGS = {
    "TITLE": "Supplier Marketplace API",
    "DESCRIPTION": "Price lists, orders, auctions and ratings. Authenticate with `Authorization: Bearer <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderStateEnum": "cabinet.models.OrderState",
        "OrderChannelEnum": "cabinet.models.OrderChannel",
        "ComplaintStateEnum": "cabinet.models.ComplaintState",
        "PriceListChannelEnum": "pricing.models.Channel",
        "PriceListStatusEnum": "pricing.models.PriceListStatus",
        "OrganizationKindEnum": "marketplace.models.OrganizationKind",
        "AuctionStateEnum": "auctions.models.AuctionState",
        "PriceListUploadModeEnum": ["full", "partial"],
    },
}

DJANGO_TABLES2_TEMPLATE = "marketplace/_table.html"  # sortable headers show it: arrows, aria-sort
FILTERS_EMPTY_CHOICE_LABEL = _("Any")  # a filter's empty choice reads as a word, not "---------"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

PRICE_LIST_MAX_BYTES = int(os.environ.get("PRICE_LIST_MAX_BYTES", 50 * 1024 * 1024))
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))
# Request bodies (marketplace.bodies): a body over REQUEST_MAX_BYTES is refused with 413 before it is
# read; the largest legitimate one is a price list at its limit, plus the form around it.
REQUEST_MAX_BYTES = int(
    os.environ.get("REQUEST_MAX_BYTES", max(PRICE_LIST_MAX_BYTES, DOCUMENT_MAX_BYTES) + 1024 * 1024)
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # a body that is not a file (form fields, JSON) is read in memory
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # a file over this goes to a temporary file while it is received
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# Reverse proxies whose X-Forwarded-For is believed (marketplace.proxies): addresses or networks,
# comma-separated. Loopback by default: the proxy on this machine that deploy/nginx.conf sets up.
TRUSTED_PROXIES = [
    item.strip() for item in os.environ.get("TRUSTED_PROXIES", "127.0.0.0/8,::1").split(",") if item.strip()
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_client_tracebacks": {"()": "marketplace.logs.NoTracebackForClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_client_tracebacks"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Price lists larger than this are read by the task queue (pricing.tasks), not in the request.
PRICE_LIST_INLINE_BYTES = int(os.environ.get("PRICE_LIST_INLINE_BYTES", 5 * 1024 * 1024))
PRICE_LIST_CHUNK_BYTES = int(os.environ.get("PRICE_LIST_CHUNK_BYTES", 8 * 1024 * 1024))
PRICE_LIST_WARN_PERCENT = int(os.environ.get("PRICE_LIST_WARN_PERCENT", 50))
# A publish that removes more than this share of the previous version's rows asks the supplier to confirm.
PRICE_LIST_CONFIRM_REMOVED_PERCENT = int(os.environ.get("PRICE_LIST_CONFIRM_REMOVED_PERCENT", 30))
# A worker that stays silent this long on an upload is presumed dead; the upload is queued again.
# A run beats every PRICE_LIST_HEARTBEAT_S from a thread of its own (pricing.services.claims.heartbeat).
PRICE_LIST_PROCESSING_TIMEOUT_S = int(os.environ.get("PRICE_LIST_PROCESSING_TIMEOUT_S", 60))
PRICE_LIST_HEARTBEAT_S = float(os.environ.get("PRICE_LIST_HEARTBEAT_S", 5))
PRICE_LIST_CHUNK_ROWS = int(os.environ.get("PRICE_LIST_CHUNK_ROWS", 100_000))

# Ratings: seconds a queued recompute waits so that a burst of events gives one run.
RATINGS_RECOMPUTE_DELAY = int(os.environ.get("RATINGS_RECOMPUTE_DELAY", "10"))
# Auction websockets (auctions/consumers.py, auctions/broadcast.py): frames a second each connection
# may send (burst), and how often a hub writes the newest state to its sockets at most.
AUCTION_WS_RATE = float(os.environ.get("AUCTION_WS_RATE", 10))
AUCTION_WS_BURST = float(os.environ.get("AUCTION_WS_BURST", 20))
AUCTION_FANOUT_INTERVAL = float(os.environ.get("AUCTION_FANOUT_INTERVAL", 0.05))
# Threads for the sockets' database work in each daphne process (auctions/consumers.py): a bid
# waiting for its auction's batch holds one, so this also bounds a batch (auctions/batching.py).
AUCTION_DB_THREADS = int(os.environ.get("AUCTION_DB_THREADS", 12))
