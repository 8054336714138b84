"""Shared fixtures. Tests that need a real service skip without it on a
laptop, and fail under CI=true, where every service must be there.

CI runs the suite twice (.ci/run): on PostgreSQL and Redis, then on the
embedded default that `make run` uses (SQLite, no Redis) with
TEST_EMBEDDED_DEFAULT=true, where the tests of those two services skip on
purpose and everything else still must run."""

import os

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings


def envflag(name: str) -> bool:
    return os.getenv(name, "").lower() in {"1", "true", "yes"}


IN_CI = envflag("CI")
EMBEDDED_PASS = envflag("TEST_EMBEDDED_DEFAULT")

# The same examples on every CI run: a red build is a real failure that the
# next run reproduces, not a draw. Locally Hypothesis keeps exploring.
hypothesis_settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=50,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
if IN_CI:
    hypothesis_settings.load_profile("ci")


def pytest_configure(config):
    if EMBEDDED_PASS and (os.getenv("DATABASE_URL") or os.getenv("REDIS_URL")):
        raise pytest.UsageError(
            "TEST_EMBEDDED_DEFAULT runs the embedded default: unset DATABASE_URL, REDIS_URL "
            "and TEST_REDIS_URL"
        )


def service_missing(reason: str, *, embedded_default_lacks_it: bool = False) -> None:
    """Skip, or fail under CI=true. A service the embedded default does without
    (PostgreSQL, Redis) is allowed to be missing in CI's embedded pass."""
    if IN_CI and not (EMBEDDED_PASS and embedded_default_lacks_it):
        pytest.fail(f"{reason} (CI=true: the real services must be available)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database with the shipped terminology loaded, as `make run`
    loads it (manage.py load_terminology: MeSH, HPO, THUOCL). A test that
    empties the database (transaction=True) loses it; the `terminology`
    fixture loads it again (a file already loaded is skipped)."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_terminology", verbosity=0)


@pytest.fixture
def terminology(db):
    from django.core.management import call_command

    call_command("load_terminology", verbosity=0)


@pytest.fixture
def postgres(db):
    """Skip (fail in CI) unless the test database is PostgreSQL."""
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL", embedded_default_lacks_it=True)
    return connection


@pytest.fixture
def redis_url() -> str:
    """The tests' own Redis database (trialfinder/settings_test.py), answering a PING."""
    url = settings.REDIS_URL
    if not url:
        service_missing("needs Redis: set REDIS_URL", embedded_default_lacks_it=True)
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {url} does not answer: {exc}")
    return url


@pytest.fixture(autouse=True)
def _search_results_not_kept(settings):
    """Tests change trials between two searches of one query; the results
    page kept for a minute (trials/pagecache.py results_fragment) has tests
    of its own (tests/test_search_results_kept.py)."""
    settings.SEARCH_RESULTS_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and other cached state never leak between tests. With Redis
    this empties the tests' own database, never the one REDIS_URL names. The
    pages kept in the process's memory go too: a test's settings (the contact
    address, the site's name) are part of them."""
    from django.core.cache import cache, caches

    caches["pages"].clear()
    caches["ratelimit-local"].clear()
    try:
        # A resilient cache's breaker, opened by an earlier test, closes.
        if hasattr(cache, "ping"):
            cache.ping()
        cache.clear()
    except Exception:  # noqa: BLE001 - an absent Redis is reported by redis_url
        pass
    yield


@pytest.fixture(autouse=True)
def _no_registry_sync_read():
    """Trial pages read the last registry sync's day at most every five
    minutes per process (trials/models/operations.py); a test counting a page's
    queries must not count that read by chance. Tests of it reset it."""
    import time

    from trials.models import operations

    operations._LAST_SYNC_DAY.update(day=None, read_at=time.monotonic())
    yield


@pytest.fixture(autouse=True)
def _no_query_understood_before():
    """Each process remembers the queries it understood and the planner's
    estimates for a few minutes (trials/understanding.py, trials/search.py):
    each test's trials and words are its own."""
    from trials.search import ESTIMATES
    from trials.understanding import VOCABULARY

    VOCABULARY.understood.clear()
    ESTIMATES.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: a request leaves its language active in the
    thread, and reverse() and gettext() in the next test would follow it."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def compiled_catalogues():
    """The translation catalogues compiled (`make messages` does it for make test).

    Compiles again when a .po file is newer than its .mo; needs msgfmt.
    """
    import shutil
    from pathlib import Path

    from django.core.management import call_command

    stale = [
        po
        for locale_path in settings.LOCALE_PATHS
        for po in Path(locale_path).glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        if shutil.which("msgfmt") is None:
            service_missing("needs msgfmt to compile the catalogues: apt-get install gettext")
        call_command("compilemessages", locale=["zh_Hans"], verbosity=0)
        # Forget catalogues loaded before they were compiled.
        from asgiref.local import Local
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None
        trans_real._active = Local()
