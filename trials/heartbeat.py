"""Heartbeats of the background processes, for the health checks.

A stopped worker or beat loses no message (emails wait in the outbox), but
nothing is sent either, silently. So each shows it is alive:

- beat, on its ticks, at most once a HEARTBEAT_SECONDS
  (`trialfinder.celery.HeartbeatScheduler`, CELERY_BEAT_SCHEDULER);
- the worker, by running `heartbeat_task`, which beat queues every
  HEARTBEAT_SECONDS.

/healthz shows both (trialfinder/health.py); /healthz/all answers 503 when
either is older than HEARTBEAT_STALE_SECONDS, for an alert. A stale worker
beside a fresh beat is a stopped worker; both stale, a stopped beat (or
both).
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from trials.models import Heartbeat

WORKER = "worker"
BEAT = "beat"


def heartbeat_record(*, name: str) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})


def heartbeat_ages() -> dict[str, datetime.timedelta | None]:
    """How long ago each background process was last seen (None: never)."""
    now = timezone.now()
    seen = dict(Heartbeat.objects.filter(name__in=[WORKER, BEAT]).values_list("name", "seen_at"))
    return {name: (now - seen[name]) if name in seen else None for name in (WORKER, BEAT)}


@shared_task(ignore_result=True)
def heartbeat_task() -> None:
    heartbeat_record(name=WORKER)
