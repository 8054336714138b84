"""Test settings: the real settings with test-only overrides (chosen in pyproject)."""

import os
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")


def redis_database(url: str) -> tuple:
    parsed = urlparse(url)
    return parsed.hostname, parsed.port or 6379, int(parsed.path.strip("/") or 0)


def redis_url_for_tests(redis_url: str, test_url: str) -> str:
    """The tests' own Redis database: TEST_REDIS_URL, or REDIS_URL's server at
    database 15. Tests empty it (cache.clear(), the integration stack), so it
    is never the database REDIS_URL names, where a developer's worker may be."""
    test_url = test_url or (redis_url and urlparse(redis_url)._replace(path="/15").geturl())
    if redis_url and test_url and redis_database(test_url) == redis_database(redis_url):
        raise ImproperlyConfigured(
            f"The tests would empty Redis database {redis_database(redis_url)[2]}, the one "
            "REDIS_URL names: set TEST_REDIS_URL to another database for the tests."
        )
    return test_url


# Before the real settings read it: the cache, the broker and the integration
# worker all follow REDIS_URL. Once per process tree: importing this module
# again (after a failed first import, or in a child process) finds REDIS_URL
# already the tests' own.
if os.getenv("REDIS_URL", "") != os.getenv("TESTS_OWN_REDIS_URL"):
    if os.getenv("REDIS_URL") or os.getenv("TEST_REDIS_URL"):
        os.environ["REDIS_URL"] = os.environ["TESTS_OWN_REDIS_URL"] = redis_url_for_tests(
            os.getenv("REDIS_URL", ""), os.getenv("TEST_REDIS_URL", "")
        )

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Pages render from static/ as it is, with no collectstatic before each run;
# tests/test_static_production.py renders them all with production's storage.
PRODUCTION_STORAGES = STORAGES  # noqa: F405
STORAGES = {
    **PRODUCTION_STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Unit tests run tasks in-process; integration tests start a real worker.
CELERY_TASK_ALWAYS_EAGER = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# A shared, loaded test machine may take longer than production's short
# cache timeout to answer; tests of a down or hung cache set their own.
if "OPTIONS" in CACHES["default"]:  # noqa: F405
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 2, "socket_timeout": 2}  # noqa: F405
