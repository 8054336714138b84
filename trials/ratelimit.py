"""Counting hits in the shared cache (Redis when REDIS_URL is set).

Fixed windows: each (scope, key) gets one counter per window, named after the
window's number, so a counter that somehow lost its expiry still stops
counting when its window ends. The limiter fails open: an unreachable cache
must never stop a patient from reaching a study team, so it logs and lets the
request through.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _cache_key(scope: str, key: str, window_seconds: int) -> str:
    window = int(time.time() // window_seconds)
    # Hashed: the key may be an email address or any text a client sent.
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"ratelimit:{scope}:{window_seconds}:{window}:{digest}"


def rate_limited(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count this hit; True when (scope, key) went over `limit` in the window.

    A limit of 0 or less turns the limit off."""
    if limit <= 0 or window_seconds <= 0:
        return False
    cache_key = _cache_key(scope, key, window_seconds)
    try:
        # add() is atomic (SET NX on Redis); the extra second covers clock
        # skew between the window's start and the key's creation.
        cache.add(cache_key, 0, timeout=window_seconds + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:
            # Expired between add() and incr(): this hit opens a new counter.
            cache.add(cache_key, 1, timeout=window_seconds + 1)
            count = 1
    except Exception:  # noqa: BLE001 - any cache failure fails open
        logger.warning("Rate limit %s not checked: the cache is unreachable", scope, exc_info=True)
        return False
    return count > limit


def client_ip(request) -> str:
    """The address a request came from, for per-IP limits.

    Behind a reverse proxy (BEHIND_PROXY) every request comes from the proxy:
    the client is the last X-Forwarded-For entry, the one our proxy added
    (earlier entries are whatever the client chose to send).
    """
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]
    return request.META.get("REMOTE_ADDR", "")[:64] or "unknown"
