"""The shared cache (Redis) as something pages can do without.

Every use of the shared cache on a public page is an optimisation: kept
results, the kept FAQ, rate-limit counters. When Redis is down (connection
refused) or hung (it accepts and never answers), a page must still answer, in
well under a second, from the database. Django's RedisCache lets the client's
error through on every call, so a down Redis turned into a 500 on each page,
and a hung one into seconds of waiting per call.

`ResilientRedisCache` is Django's RedisCache with a circuit breaker: the first
failed call (after a short socket timeout, CACHE_TIMEOUT_SECONDS) logs one
warning and opens the breaker for CACHE_RETRY_SECONDS; meanwhile every call
answers at once as a miss (`get` gives the default, `set` and `add` store
nothing, `delete` deletes nothing), and the first call after that period tries
Redis again. A process therefore waits for a hung Redis at most once per
period, and a page never does more than once.

`ping()` bypasses the breaker and raises: the health check asks Redis itself.
`incr()` has no "miss" answer, so while the cache is down it raises
`CacheUnavailable`; the rate limiter counts in the process instead
(trials/ratelimit.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What the Redis client raises for a refused, reset or timed-out connection.
FAILURES = (RedisError, OSError)


class CacheUnavailable(Exception):
    """The shared cache is down; the caller has a way to do without it."""


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    # The breaker ----------------------------------------------------------

    @property
    def retry_seconds(self) -> float:
        return float(getattr(settings, "CACHE_RETRY_SECONDS", 10))

    def is_down(self) -> bool:
        """True while the breaker is open: the last call failed not long ago."""
        return time.monotonic() < self._down_until

    def _failed(self, operation: str) -> None:
        with self._lock:
            first = not self.is_down()
            self._down_until = time.monotonic() + self.retry_seconds
        if first:
            logger.warning(
                "The shared cache does not answer (%s): pages go on without it for %.0f s",
                operation,
                self.retry_seconds,
                exc_info=True,
            )

    def _call(self, operation: str, call: Callable[[], T], miss: T) -> T:
        if self.is_down():
            return miss
        try:
            return call()
        except FAILURES:
            self._failed(operation)
            return miss

    def ping(self) -> None:
        """Ask Redis itself, whatever the breaker says; raises when it does not answer."""
        self._cache.get_client(write=True).ping()
        with self._lock:
            self._down_until = 0.0

    # The cache API, each call through the breaker ---------------------------

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._call(
            "get", lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def get_many(self, keys, version: int | None = None) -> dict:
        return self._call(
            "get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._call(
            "has_key", lambda: super(ResilientRedisCache, self).has_key(key, version), False
        )

    def set(self, key: str, value: Any, timeout: Any = ..., version: int | None = None) -> None:
        timeout = self.default_timeout if timeout is ... else timeout
        self._call(
            "set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None
        )

    def set_many(self, data: dict, timeout: Any = ..., version: int | None = None) -> list:
        timeout = self.default_timeout if timeout is ... else timeout
        return self._call(
            "set_many",
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            list(data),
        )

    def add(self, key: str, value: Any, timeout: Any = ..., version: int | None = None) -> bool:
        timeout = self.default_timeout if timeout is ... else timeout
        return self._call(
            "add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False
        )

    def touch(self, key: str, timeout: Any = ..., version: int | None = None) -> bool:
        timeout = self.default_timeout if timeout is ... else timeout
        return self._call(
            "touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._call(
            "delete", lambda: super(ResilientRedisCache, self).delete(key, version), False
        )

    def delete_many(self, keys, version: int | None = None) -> None:
        self._call(
            "delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version), None
        )

    def clear(self) -> bool:
        return self._call("clear", lambda: super(ResilientRedisCache, self).clear(), False)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        if self.is_down():
            raise CacheUnavailable("the shared cache is down")
        try:
            return super().incr(key, delta, version)
        except FAILURES as error:
            self._failed("incr")
            raise CacheUnavailable("the shared cache is down") from error


def cache_is_down(backend: object) -> bool:
    """True when `backend` is a resilient cache whose breaker is open."""
    is_down = getattr(backend, "is_down", None)
    return bool(is_down and is_down())
