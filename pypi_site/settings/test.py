"""Test settings: the base settings, made fast and hermetic."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # As in production: a table of the test database (rolled back with each test).
    "security": {
        "BACKEND": "accounts.security_store.SecurityDatabaseCache",
        "LOCATION": "security_cache",
        "KEY_PREFIX": "security",
    },
}

FILES_ROOT = Path(tempfile.mkdtemp(prefix="pypi-test-files-"))
STORAGES = {
    **STORAGES,
    "packages": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(FILES_ROOT), "allow_overwrite": True},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SITE_URL = "http://testserver"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Static files straight from the source tree: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
HIBP_ENABLED = False
TOKEN_DISCLOSURE_KEYS = {"github": "", "depsdev": ""}
