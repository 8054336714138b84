"""Shared fixtures. Tests that need a real service skip without it on a
laptop, and fail under CI=true, where every service must be there."""

import os

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.getenv("CI", "").lower() in {"1", "true", "yes"}


def service_missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the real services must be available)")
    pytest.skip(reason)


@pytest.fixture
def postgres(db):
    """Skip (fail in CI) unless the test database is PostgreSQL."""
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL")
    return connection


@pytest.fixture
def redis_url() -> str:
    """The real Redis from REDIS_URL, answering a PING."""
    url = settings.REDIS_URL
    if not url:
        service_missing("needs Redis: set REDIS_URL")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {url} does not answer: {exc}")
    return url


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and other cached state never leak between tests."""
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception:  # noqa: BLE001 - an absent Redis is reported by redis_url
        pass
    yield
