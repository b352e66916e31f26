"""Settings for every environment, read from environment variables.

Every value has a safe embedded default so that a fresh clone runs with nothing configured:
SQLite in ``var/db.sqlite3``, files under ``var/files``, mail written to ``var/mail``, Celery
tasks run in-process. Production switches each part with one variable (see docs/operations.md).
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
try:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded defaults (SQLite, files, mail)
except OSError:
    pass  # a read-only production image configures every part elsewhere


def _embedded_secret_key() -> str:
    """A random key kept in ``var/secret_key``: never a value shipped in the source tree."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
PORT = env.int("PORT", default=8000)
SITE_URL = env.str("SITE_URL", default=f"http://localhost:{PORT}").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="Python Package Index")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

# --- Contacts (the Security page /security/, the footer, the Help page) ----------------------
# The operator's addresses. Empty: the pages name "the administrators of this index" and give
# no address. SECURITY_CONTACT is an e-mail address or a URL (a form, a security.txt policy)
# for reports of vulnerabilities and malicious projects; empty, /security/ sends reporters to
# SUPPORT_EMAIL (or SUPPORT_URL).
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="")
SUPPORT_URL = env.str("SUPPORT_URL", default="")
SECURITY_CONTACT = env.str("SECURITY_CONTACT", default="")

# Served over https without debug mode: production. The secret keys must then be given, and
# strong (the embedded random key in var/ is for `make run` and local sites only).
PRODUCTION = SITE_URL.startswith("https://") and not DEBUG


def _strong(name: str, key: str) -> str:
    """``key``, if it is fit to be ``name`` in production; else start-up stops here."""
    how = 'python -c "import secrets; print(secrets.token_urlsafe(64))"'
    if not key:
        raise ImproperlyConfigured(f"{name} must be set when SITE_URL is https: {how}")
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure"):
        raise ImproperlyConfigured(
            f"{name} is too weak (under 50 characters, too few distinct ones, or a generated "
            f"default): use a long random value, e.g. {how}"
        )
    return key


if PRODUCTION:
    SECRET_KEY = _strong("SECRET_KEY", env.str("SECRET_KEY", default=""))
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret_key()
# Master key for secrets kept in the database (sealed TOTP seeds, API-token root keys).
# Changing it revokes every API token and authenticator app. Defaults to SECRET_KEY.
DATA_SECRET_KEY = env.str("DATA_SECRET_KEY", default="") or SECRET_KEY
if PRODUCTION:
    _strong("DATA_SECRET_KEY", DATA_SECRET_KEY)

INSTALLED_APPS = [
    "pypi_site.admin_config.OTPAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "django.contrib.syndication",
    "django.contrib.sitemaps",  # its XML templates, for /sitemap.xml (packages/sitemaps.py)
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp_webauthn",
    "rest_framework",
    "pypi_site.outbox",
    "accounts",
    "packages",
    "moderation",
    "help",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "pypi_site.middleware.LanguageIndependentMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After the session, user and messages: its 503 page is a full page of the site.
    "pypi_site.middleware.ReadOnlyMiddleware",
    # A security store on Redis that cannot be reached: 503, not 500 (pypi_site/cache.py).
    "pypi_site.cache.SecurityStoreUnavailableMiddleware",
]

ROOT_URLCONF = "pypi_site.urls"
WSGI_APPLICATION = "pypi_site.wsgi.application"
SITE_ID = 1

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
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "pypi_site.context_processors.site",
                "moderation.context_processors.switch_banners",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE avoids lock-upgrade deadlocks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # libpq's URL form for a Unix socket: the directory, percent-encoded, as the host.
    DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST", ""))
# Keep connections between requests (for SQLite too: opening one costs about half a millisecond).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://"),
    # Rate limits, lockouts, leak reporters' keys (accounts/security_store.py): a store every
    # worker process and node shares, whatever CACHE_URL is. By default, a database table.
    "security": env.cache_url("SECURITY_CACHE_URL", default="dbcache://security_cache"),
}
# On Redis (pypi_site/cache.py): short timeouts, and a node that found Redis down skips it for
# CACHE_RETRY_SECONDS. The page cache then degrades to the database (reads miss, writes do
# nothing); the security store refuses what it cannot count with a 503.
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.5)
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=5.0)
for _alias, _redis_backend in (("default", "TolerantRedisCache"), ("security", "StrictRedisCache")):
    if CACHES[_alias]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        CACHES[_alias]["BACKEND"] = f"pypi_site.cache.{_redis_backend}"
        CACHES[_alias].setdefault("OPTIONS", {}).update(
            timeout_seconds=CACHE_TIMEOUT_SECONDS, retry_seconds=CACHE_RETRY_SECONDS
        )
_security_backend = CACHES["security"]["BACKEND"]
if _security_backend == "django.core.cache.backends.db.DatabaseCache":
    CACHES["security"]["BACKEND"] = "accounts.security_store.SecurityDatabaseCache"
    # Expired rows are deleted once the table holds this many; live ones never are.
    CACHES["security"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 10_000)
elif _security_backend.rsplit(".", 1)[-1] in ("LocMemCache", "DummyCache", "FileBasedCache"):
    raise ImproperlyConfigured(
        "SECURITY_CACHE_URL must name a store every worker and node shares: the database "
        "(dbcache://TABLE, the default) or Redis (redis://HOST:6379/N)."
    )
CACHES["security"].setdefault("KEY_PREFIX", "security")

# --- Files ----------------------------------------------------------------------------------
FILES_ROOT = Path(env.str("FILES_ROOT", default=str(VAR_DIR / "files")))
FILES_STORAGE = env.str("FILES_STORAGE", default="filesystem")
# Absolute base URL for package files (a CDN or a bucket); empty = served by this site.
FILES_URL = env.str("FILES_URL", default="").rstrip("/")
# How /packages/<path> answers: "serve" (stream it, from disk or from S3), "accel"
# (X-Accel-Redirect for nginx, prefixed by FILES_ACCEL_PREFIX) or "redirect" (to the storage's
# own URL, e.g. presigned S3). Default: "redirect" with S3, "serve" otherwise.
FILES_SERVE_MODE = env.str(
    "FILES_SERVE_MODE", default="redirect" if FILES_STORAGE == "s3" else "serve"
)
if FILES_SERVE_MODE not in ("serve", "accel", "redirect"):
    raise ImproperlyConfigured('FILES_SERVE_MODE is "serve", "accel" or "redirect"')
if FILES_STORAGE not in ("filesystem", "s3"):
    raise ImproperlyConfigured('FILES_STORAGE is "filesystem" or "s3"')
FILES_ACCEL_PREFIX = env.str("FILES_ACCEL_PREFIX", default="/protected-files/")

if FILES_STORAGE == "s3":
    _files_storage = {
        # django-storages' S3 backend, with bounded timeouts and retries, and streaming reads.
        "BACKEND": "packages.storage.S3PackageStorage",
        "OPTIONS": {
            "connect_timeout": env.float("AWS_S3_CONNECT_TIMEOUT", default=5.0),
            "read_timeout": env.float("AWS_S3_READ_TIMEOUT", default=30.0),
            "max_attempts": env.int("AWS_S3_MAX_ATTEMPTS", default=3),
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
            "default_acl": None,
            "file_overwrite": True,
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=True),
            "querystring_expire": 300,
            "signature_version": "s3v4",
            "object_parameters": {"CacheControl": "max-age=31536000, immutable"},
        },
    }
else:
    _files_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Paths are content-addressed: re-writing one can only write the same bytes.
        "OPTIONS": {
            "location": str(FILES_ROOT),
            "file_permissions_mode": 0o644,
            "allow_overwrite": True,
        },
    }

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "packages": _files_storage,
    # whitenoise's hashed, compressed files; a page whose static file was not collected logs
    # an error instead of answering 500, and `check --deploy` asks for collectstatic.
    "staticfiles": {"BACKEND": "pypi_site.staticfiles.ManifestStaticFilesStorage"},
}
MEDIA_ROOT = str(VAR_DIR / "media")
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Upload limits (the Help page's figures; per-project overrides live on Project) -----------
UPLOAD_MAX_FILE_SIZE = env.int("UPLOAD_MAX_FILE_SIZE", default=100 * 1024 * 1024)
UPLOAD_MAX_PROJECT_SIZE = env.int("UPLOAD_MAX_PROJECT_SIZE", default=10 * 1024**3)
# No project override may exceed this; the upload stream is cut off here.
UPLOAD_LIMIT_CAP = env.int("UPLOAD_LIMIT_CAP", default=1024**3)
# The most read from one member of a wheel (METADATA, entry_points.txt): docs/upload.md 42a, 43a.
UPLOAD_MAX_METADATA_BYTES = env.int("UPLOAD_MAX_METADATA_BYTES", default=2 * 1024 * 1024)
UPLOAD_NEW_PROJECTS_PER_USER_HOUR = env.int("UPLOAD_NEW_PROJECTS_PER_USER_HOUR", default=20)
UPLOAD_NEW_PROJECTS_PER_IP_HOUR = env.int("UPLOAD_NEW_PROJECTS_PER_IP_HOUR", default=40)
# A release's description: the longest accepted (UTF-8 bytes), and how long it may render.
UPLOAD_MAX_DESCRIPTION_BYTES = env.int("UPLOAD_MAX_DESCRIPTION_BYTES", default=1024 * 1024)
UPLOAD_DESCRIPTION_RENDER_SECONDS = env.float("UPLOAD_DESCRIPTION_RENDER_SECONDS", default=10.0)
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default=None)
FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload streams to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024  # metadata fields (long descriptions)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Housekeeping (packages/housekeeping.py) leaves alone what is younger than this: an upload in
# flight, or one whose transaction is about to commit.
HOUSEKEEPING_ORPHAN_GRACE_SECONDS = env.int("HOUSEKEEPING_ORPHAN_GRACE_SECONDS", default=6 * 3600)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTH_PASSWORD_VALIDATORS.append({"NAME": "accounts.breach.BreachedPasswordValidator"})
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/manage/account/"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.signup.SignupForm"}
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 1
ACCOUNT_LOGIN_TIMEOUT = 300  # how long the second step of a login may wait
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # other sessions end anyway (session auth hash)
ACCOUNT_SESSION_REMEMBER = False
# Warehouse's limits: 10 failed logins per 5 minutes per user and per address, reset 5 a day.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/5m/ip,10/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/d/key",
    "reset_password_from_key": "20/m/ip",
    "manage_email": "10/m/user",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
# Second-factor attempts (our own limiter, accounts.ratelimit): per user and per address.
TWO_FACTOR_RATE_LIMITS = {
    "user": [(5, 300), (20, 3600), (50, 86400)],
    "ip": [(10, 300), (50, 3600)],
}

ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_MAX_EMAIL_ADDRESSES = None
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# Registration says that an e-mail address (or a username) is taken, as the public index does:
# each attempt counts against the sign-up limit above (20 an hour per address), and adding an
# address says it too, to a logged-in account. The password reset form never says whether an
# account matches (accounts/forms/account.py). See docs/operations.md, "Account enumeration".
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"

OTP_TOTP_ISSUER = SITE_NAME
OTP_WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default=urlsplit(SITE_URL).hostname or "localhost")
OTP_WEBAUTHN_RP_NAME = SITE_NAME
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("WEBAUTHN_ALLOWED_ORIGINS", default=[SITE_URL])
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False  # keep logins inside allauth's stages
OTP_WEBAUTHN_HELPER_CLASS = "accounts.webauthn.WebAuthnHelper"
SILENCED_SYSTEM_CHECKS: list[str] = []
if all(urlsplit(o).hostname in ("localhost", "127.0.0.1") for o in OTP_WEBAUTHN_ALLOWED_ORIGINS):
    # Browsers treat http://localhost as a secure context; only production needs https.
    SILENCED_SYSTEM_CHECKS.append("otp_webauthn.E031")

# --- Mail -----------------------------------------------------------------------------------
_email_url = env.str("EMAIL_URL", default="")
if _email_url:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")

# --- Celery (tasks run inline when no broker is configured) ----------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_SERIALIZER = "json"
# A worker that dies loses no task: a task is acknowledged only once it ran, one whose worker
# process was killed goes back to the queue, and a worker reserves one task at a time. A task
# whose whole worker vanished (SIGKILL, lost machine) is handed out again by Redis after
# CELERY_VISIBILITY_TIMEOUT seconds; the outbox's drain redelivers its work sooner.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
# A dead broker costs a request a short connect timeout, once (the outbox keeps the work and the
# process leaves the broker alone for a few seconds); workers and beat wait for it as long as
# it takes, from start-up on.
_broker_connect_timeout = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0)
CELERY_BROKER_CONNECTION_TIMEOUT = _broker_connect_timeout
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    # One retry: a pooled connection the broker closed (a Redis restart) is reopened once.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": _broker_connect_timeout,
    # A broker gone without closing the connection: a command waits this long, not forever.
    "socket_timeout": 5.0,
    "socket_keepalive": True,
}
# The outbox (pypi_site/outbox/): after-commit work (mail, CDN purges, search updates) is a row
# written with the change, delivered after commit and deleted once done. Due rows (first
# delivery failed or never happened) are delivered every OUTBOX_DRAIN_INTERVAL_SECONDS by beat,
# by `manage.py drain_outbox` and by housekeeping; a failure is retried after
# OUTBOX_RETRY_SECONDS, doubling up to an hour; a row undelivered after OUTBOX_MAX_AGE_SECONDS
# is dropped with an error in the log. OUTBOX_LEASE_SECONDS: how long one deliverer holds a row
# (longer than any one delivery may take) before another may take it over.
OUTBOX_DRAIN_INTERVAL_SECONDS = env.int("OUTBOX_DRAIN_INTERVAL_SECONDS", default=30)
OUTBOX_RETRY_SECONDS = env.int("OUTBOX_RETRY_SECONDS", default=30)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_MAX_AGE_SECONDS = env.int("OUTBOX_MAX_AGE_SECONDS", default=7 * 24 * 3600)
# Periodic tasks, for `celery -A pypi_site beat` (without a broker, run the commands from cron).
CELERY_BEAT_SCHEDULE = {
    "housekeeping": {
        "task": "packages.tasks.run_housekeeping",
        "schedule": float(env.int("HOUSEKEEPING_INTERVAL_SECONDS", default=24 * 3600)),
    },
    "outbox": {
        "task": "outbox.drain",
        "schedule": float(OUTBOX_DRAIN_INTERVAL_SECONDS),
        # A drain still queued when the next one is due is dropped, not run twice.
        "options": {"expires": float(OUTBOX_DRAIN_INTERVAL_SECONDS)},
    },
}

# --- CDN ------------------------------------------------------------------------------------
# Where to POST purges (packages/cdn.py). Credentials in it (https://user:password@host/...) go
# out as a Basic Authorization header, never in the URL; CDN_PURGE_AUTH_HEADER
# ("Header-Name: value", e.g. Fastly's "Fastly-Key: <token>") is sent with every purge. Neither
# is ever logged. A purge waits at most CDN_PURGE_TIMEOUT seconds per network step.
CDN_PURGE_URL = env.str("CDN_PURGE_URL", default="")
CDN_PURGE_AUTH_HEADER = env.str("CDN_PURGE_AUTH_HEADER", default="")
CDN_PURGE_TIMEOUT = env.float("CDN_PURGE_TIMEOUT", default=2.0)
if CDN_PURGE_URL and urlsplit(CDN_PURGE_URL).scheme not in ("http", "https"):
    raise ImproperlyConfigured("CDN_PURGE_URL must be an http:// or https:// URL.")
_auth_name, _auth_colon, _auth_value = CDN_PURGE_AUTH_HEADER.partition(":")
if CDN_PURGE_AUTH_HEADER and not (_auth_colon and _auth_name.strip()):
    raise ImproperlyConfigured('CDN_PURGE_AUTH_HEADER must read "Header-Name: value".')

# --- Security headers -----------------------------------------------------------------------
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = SITE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# With an https SITE_URL: redirect plain http, and a year of HSTS for the host and its
# subdomains, preload-ready (what `check --deploy` asks for). Each can be changed.
_https = SITE_URL.startswith("https://")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_https)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_https)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=_https)
# A TLS-terminating proxy in front: the header (and value) by which it says a request came in
# over https, e.g. "X-Forwarded-Proto,https"; BEHIND_TLS_PROXY=true means exactly that one.
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if env.bool("BEHIND_TLS_PROXY", default=False) and not _proxy_header:
    _proxy_header = ["X-Forwarded-Proto", "https"]
if _proxy_header:
    if len(_proxy_header) != 2:
        raise ImproperlyConfigured('SECURE_PROXY_SSL_HEADER is "Header-Name,value"')
    _header_name = _proxy_header[0].strip().upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (f"HTTP_{_header_name}", _proxy_header[1].strip())

from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "https:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- I18N -----------------------------------------------------------------------------------
# The site's pages in English, German and French (catalogues in locale/, compiled .mo files
# committed); the language comes from the switcher's cookie (POST /locale/), then the browser's
# Accept-Language. The APIs clients use answer the same whatever the language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- REST framework (management APIs only) ---------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- Proxies --------------------------------------------------------------------------------
# How many reverse proxies append to X-Forwarded-For in front of the site (0 = none).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- Account security -----------------------------------------------------------------------
# Password re-confirmation ("sudo") window for sensitive actions, in seconds.
SUDO_WINDOW_SECONDS = env.int("SUDO_WINDOW_SECONDS", default=3600)
# A login whose second factor can be phished (app code, recovery code) from a network address
# the account has not confirmed waits for a link mailed to the user, valid this many seconds
# (and not re-sent sooner). Security keys confirm their address themselves.
LOGIN_CONFIRMATION_ENABLED = env.bool("LOGIN_CONFIRMATION_ENABLED", default=True)
LOGIN_CONFIRMATION_WINDOW_SECONDS = env.int("LOGIN_CONFIRMATION_WINDOW_SECONDS", default=900)
# How long an invitation to collaborate on a project (and its mailed link) stays valid.
ROLE_INVITATION_HOURS = env.int("ROLE_INVITATION_HOURS", default=72)
# Have I Been Pwned k-anonymity range API (off by default: no call leaves the machine).
HIBP_ENABLED = env.bool("HIBP_ENABLED", default=False)
HIBP_RANGE_URL = env.str("HIBP_RANGE_URL", default="https://api.pwnedpasswords.com/range/")
HIBP_TIMEOUT = env.float("HIBP_TIMEOUT", default=2.0)
# Leaked-token reports: where each reporter publishes the ECDSA keys it signs reports with
# (GitHub's format). Empty disables that reporter.
TOKEN_DISCLOSURE_KEYS = {
    "github": env.str(
        "GITHUB_TOKEN_SCANNING_KEYS_URL",
        default="https://api.github.com/meta/public_keys/token_scanning",
    ),
    "depsdev": env.str("DEPSDEV_TOKEN_SCANNING_KEYS_URL", default=""),
}

# --- Trusted publishing (OIDC; packages/oidc/, docs/trusted-publishing.md) -------------------


def _oidc_issuer(name: str, default: str) -> str:
    """The issuer URL in ``name``, without a trailing slash: https, or plain http only on a
    loopback address (a test issuer on this machine). Empty turns the provider off."""
    url = env.str(name, default=default).strip().rstrip("/")
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if url and not ((parts.scheme == "https" and host) or (parts.scheme == "http" and loopback)):
        raise ImproperlyConfigured(
            f"{name} must be an https:// URL (plain http:// only on a loopback address: "
            f"localhost, 127.0.0.0/8 or [::1]), or empty to turn the provider off; got {url!r}"
        )
    return url


OIDC_GITHUB_ISSUER = _oidc_issuer(
    "OIDC_GITHUB_ISSUER", "https://token.actions.githubusercontent.com"
)
OIDC_GITLAB_ISSUER = _oidc_issuer("OIDC_GITLAB_ISSUER", "https://gitlab.com")
OIDC_GOOGLE_ISSUER = _oidc_issuer("OIDC_GOOGLE_ISSUER", "https://accounts.google.com")
OIDC_ACTIVESTATE_ISSUER = _oidc_issuer(
    "OIDC_ACTIVESTATE_ISSUER", "https://platform.activestate.com/api/v1/oauth/oidc"
)
# What CI tokens must name as their only audience ("aud"); clients read it from
# GET /_/oidc/audience before asking their platform for a token. This index's own host name by
# default, so that a token made for another index (or for the public one) is refused here, and
# one made for this index is refused there.
OIDC_AUDIENCE = env.str("OIDC_AUDIENCE", default="") or urlsplit(SITE_URL).hostname or "localhost"
