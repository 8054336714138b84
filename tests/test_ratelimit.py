"""Counting hits in the shared cache, and whose hits they are."""

import uuid

import pytest
from django.test import RequestFactory

from trials.ratelimit import client_ip, rate_limited


def hits(count: int, **limits) -> list[bool]:
    return [rate_limited(**limits) for _ in range(count)]


def test_it_allows_the_limit_and_refuses_what_goes_over():
    limits = {"scope": "test", "key": "wang@example.com", "limit": 3, "window_seconds": 60}
    assert hits(5, **limits) == [False, False, False, True, True]
    # Other keys and other scopes count on their own.
    assert rate_limited(**{**limits, "key": "li@example.com"}) is False
    assert rate_limited(**{**limits, "scope": "other"}) is False


def test_a_limit_of_zero_is_no_limit():
    assert hits(3, scope="test", key="k", limit=0, window_seconds=60) == [False] * 3


def test_it_counts_in_the_shared_redis(settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    import redis

    assert hits(3, scope="test", key="杭州\r\n", limit=2, window_seconds=60) == [False, False, True]
    keys = redis.Redis.from_url(redis_url).keys(f"{settings.CACHES['default']['KEY_PREFIX']}*")
    assert len(keys) == 1
    # It expires with its window.
    assert 0 < redis.Redis.from_url(redis_url).ttl(keys[0]) <= 61


def test_it_lets_everything_through_when_the_cache_is_unreachable(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    assert hits(2, scope="test", key="k", limit=1, window_seconds=60) == [False, False]
    assert "Rate limit test not checked: the cache is unreachable" in caplog.text


@pytest.mark.parametrize(
    ("behind_proxy", "expected"), [(False, "10.0.0.1"), (True, "198.51.100.1")]
)
def test_it_takes_the_client_address_from_the_proxy_only_when_told(
    settings, behind_proxy, expected
):
    settings.BEHIND_PROXY = behind_proxy
    request = RequestFactory().post(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.1"
    )
    assert client_ip(request) == expected
