"""A health check for load balancers and compose: what we depend on answers.

200 "ok" when the database, the cache and the broker all answer; 503 with
one line per dependency otherwise, so an operator reads at once which one is
down. A down cache or broker does not stop patients (rate limits fail open,
emails wait in the outbox), but the site is not healthy either.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def database_check() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def cache_check() -> None:
    # The cache client swallows nothing: an unreachable Redis raises here.
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def broker_check() -> None:
    from trialfinder.celery import app

    with app.connection_for_write() as broker:
        # One try, no back-off: the check must answer within its timeout.
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)


CHECKS: dict[str, Callable[[], None]] = {
    "database": database_check,
    "cache": cache_check,
    "broker": broker_check,
}


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    down = []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # noqa: BLE001 - whatever the failure, this dependency is down
            logger.warning("Health check: the %s does not answer", name, exc_info=True)
            down.append(name)
    if not down:
        return HttpResponse("ok", content_type="text/plain")
    lines = [f"{name}: {'down' if name in down else 'ok'}" for name in CHECKS]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain", status=503)
