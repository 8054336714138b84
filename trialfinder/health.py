"""Health checks for load balancers, compose and alerts.

- `/livez` (liveness): the process answers. Nothing else is asked, so a
  restart is never triggered by a dependency's outage.
- `/healthz` (readiness): 200 while the database answers, since that is all a
  patient needs: pages, searches and messages work without the cache (pages
  skip it, trialfinder/cache.py), without the broker (emails wait in the
  outbox) and without the worker or beat (the sweeper sends what waited once
  they are back). A load balancer must not take every web server out of
  rotation because Redis is down. The body names the state of each part,
  one line each, so an operator reads at once what is wrong.
- `/healthz/all` (for alerting): the same lines, 503 when any part is down or
  a background process has not been seen for HEARTBEAT_STALE_SECONDS, or the
  registry has not been followed to the end for two sync periods.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
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
    # A resilient cache answers misses while Redis is down: ask Redis itself.
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()
        return
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def broker_check() -> None:
    from trialfinder.celery import app

    with app.connection_for_write() as broker:
        # One try, no back-off: the check must answer within its timeout.
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)


CHECKS: dict[str, Callable[[], None]] = {
    "database": database_check,
    "cache": cache_check,
    "broker": broker_check,
}


def _dependency_states() -> dict[str, str]:
    states = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # noqa: BLE001 - whatever the failure, this dependency is down
            logger.warning("Health check: the %s does not answer", name, exc_info=True)
            states[name] = "down"
        else:
            states[name] = "ok"
    return states


def _background_states(database_up: bool) -> dict[str, str]:
    """ "ok", "stale" or "never seen" for the worker and beat, with their age,
    and when the registry was last followed."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"worker": "ok (tasks run in the web process)", "beat": "not used"}
    if not database_up:
        return {"worker": "unknown", "beat": "unknown", "registry": "unknown"}
    from trials.heartbeat import heartbeat_ages
    from trials.registry_sync import registry_sync_freshness

    states = {}
    for name, age in heartbeat_ages().items():
        if age is None:
            states[name] = "never seen"
        else:
            fresh = age.total_seconds() <= settings.HEARTBEAT_STALE_SECONDS
            states[name] = f"{'ok' if fresh else 'stale'} (seen {int(age.total_seconds())} s ago)"
    states["registry"] = registry_sync_freshness()
    return states


def _report(states: dict[str, str], status: int) -> HttpResponse:
    lines = [f"{name}: {state}" for name, state in states.items()]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain", status=status)


@require_safe
@never_cache
def livez(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    states = _dependency_states()
    states |= _background_states(states["database"] == "ok")
    return _report(states, 200 if states["database"] == "ok" else 503)


@require_safe
@never_cache
def healthz_all(request: HttpRequest) -> HttpResponse:
    states = _dependency_states()
    states |= _background_states(states["database"] == "ok")
    healthy = all(
        state.startswith("ok") or state in ("not used", "not scheduled")
        for state in states.values()
    )
    if not healthy:
        logger.error("Health: %s", ", ".join(f"{name} {state}" for name, state in states.items()))
    return _report(states, 200 if healthy else 503)
