"""Counting hits in the shared cache (Redis when REDIS_URL is set).

Fixed windows: each (scope, key) gets one counter per window, named after the
window's number, so a counter that somehow lost its expiry still stops
counting when its window ends.

An unreachable shared cache must never stop a patient from reaching a study
team, nor open the door to a flood: while the shared cache is down
(trialfinder/cache.py), each process counts in its own memory
("ratelimit-local"), so every limit still holds per process (with N web
processes a client gets at most N times the limit). Should that fail too,
the limiter logs and lets the request through.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache, caches

from trialfinder.cache import CacheUnavailable, cache_is_down

logger = logging.getLogger(__name__)


def _cache_key(scope: str, key: str, window_seconds: int) -> str:
    window = int(time.time() // window_seconds)
    # Hashed: the key may be an email address or any text a client sent.
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"ratelimit:{scope}:{window_seconds}:{window}:{digest}"


def _counters():
    """The shared cache, or this process's own counters while it is down."""
    return caches["ratelimit-local"] if cache_is_down(cache) else cache


def _count_hit(counters, cache_key: str, window_seconds: int) -> int:
    # add() is atomic (SET NX on Redis); the extra second covers clock skew
    # between the window's start and the key's creation.
    counters.add(cache_key, 0, timeout=window_seconds + 1)
    try:
        return counters.incr(cache_key)
    except ValueError:
        # Expired between add() and incr(): this hit opens a new counter.
        counters.add(cache_key, 1, timeout=window_seconds + 1)
        return 1


def rate_limited(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count this hit; True when (scope, key) went over `limit` in the window.

    A limit of 0 or less turns the limit off."""
    if limit <= 0 or window_seconds <= 0:
        return False
    cache_key = _cache_key(scope, key, window_seconds)
    try:
        try:
            count = _count_hit(_counters(), cache_key, window_seconds)
        except CacheUnavailable:
            # The shared cache went down during this hit.
            count = _count_hit(caches["ratelimit-local"], cache_key, window_seconds)
    except Exception:  # noqa: BLE001 - any other cache failure fails open
        logger.warning("Rate limit %s not checked: the cache is unreachable", scope, exc_info=True)
        return False
    return count > limit


def limit_reached(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """True when (scope, key) already has `limit` hits in this window; counts nothing.

    For limits on failures: check before trying, count with `rate_limited`
    only when the try failed."""
    if limit <= 0 or window_seconds <= 0:
        return False
    cache_key = _cache_key(scope, key, window_seconds)
    try:
        count = cache.get(cache_key)
        if cache_is_down(cache):
            count = caches["ratelimit-local"].get(cache_key)
    except Exception:  # noqa: BLE001 - any cache failure fails open
        logger.warning("Rate limit %s not checked: the cache is unreachable", scope, exc_info=True)
        return False
    return (count or 0) >= limit


def client_ip(request) -> str:
    """The address a request came from: the one key of every per-client limit.

    Behind reverse proxies (BEHIND_PROXY) every request comes from the
    nearest proxy. Each trusted proxy appends the address it saw to
    X-Forwarded-For, so with TRUSTED_PROXY_COUNT of them the client is that
    many entries from the end; anything further left is whatever the client
    chose to send, and is never trusted. Fewer entries than proxies means a
    proxy overwrote the header rather than appending: its first entry is
    then the one our outermost proxy wrote.
    """
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            trusted = max(getattr(settings, "TRUSTED_PROXY_COUNT", 1), 1)
            return hops[-min(trusted, len(hops))][:64]
    return request.META.get("REMOTE_ADDR", "")[:64] or "unknown"


def mailbox_key(email: str) -> str:
    """The mailbox an address delivers to, for per-address limits.

    name+1@example.org and Name+2@EXAMPLE.org reach one inbox: counting them
    apart would let anybody lift the per-address limit by adding tags.
    """
    local, at, domain = email.strip().casefold().rpartition("@")
    if not at:
        return domain[:254]
    return f"{local.split('+', 1)[0] or local}@{domain}"[:254]
