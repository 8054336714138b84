import logging
import os
import time

from celery import Celery
from celery.beat import PersistentScheduler
from celery.signals import task_postrun, task_prerun
from django.conf import settings

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")

app = Celery("trialfinder")
app.config_from_object("django.conf:settings", namespace="CELERY")


@task_prerun.connect
def _task_log_id(task_id=None, **kwargs) -> None:
    # A task's log lines carry its id, as a request's carry the request's.
    from trialfinder.observability import task_started

    task_started(task_id=task_id)


@task_postrun.connect
def _task_log_id_done(task_id=None, **kwargs) -> None:
    # An eager task runs inside a request: what follows it is the request's.
    from trialfinder.observability import task_finished

    task_finished(task_id=task_id)


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's own scheduler, recording that beat is alive on its ticks
    (trials/heartbeat.py), at most once a HEARTBEAT_SECONDS."""

    def __init__(self, *args, **kwargs) -> None:
        self._last_heartbeat = float("-inf")
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self._last_heartbeat >= settings.HEARTBEAT_SECONDS:
            self._last_heartbeat = now
            try:
                from trials.heartbeat import BEAT, heartbeat_record

                heartbeat_record(name=BEAT)
            except Exception:  # noqa: BLE001 - a down database must not stop the schedule
                logger.warning("Beat could not record its heartbeat", exc_info=True)
        return super().tick(*args, **kwargs)
