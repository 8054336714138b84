"""The real stack, for the delivery tests and the contact benchmark: a Celery
worker process (`celery -A trialfinder worker`) on the real Redis, and this
process publishing to it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from celery.result import AsyncResult
from django.db import connection

from trialfinder.celery import app

ROOT = Path(__file__).resolve().parents[1]
CELERY = Path(sys.executable).with_name("celery")
# Short clocks for the worker so that retries and the sweeper happen within
# a test; the order the settings insist on still holds (2 < 3 < 60).
WORKER_CLOCKS = {
    "OUTBOX_RETRY_BASE_SECONDS": "1",
    "OUTBOX_RETRY_MAX_SECONDS": "2",
    "OUTBOX_STUCK_AFTER_SECONDS": "3",
    "CELERY_VISIBILITY_TIMEOUT": "60",
}


def wait_until(predicate: Callable[[], object], timeout: float = 60, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def use_broker(url: str | None) -> None:
    """Publish from this (test) process to `url`; None: back to eager tasks."""
    app.conf.task_always_eager = url is None
    if url:
        app.conf.broker_url = app.conf.broker_write_url = url
    # Forget the pools, don't close them: kombu keeps them per broker address.
    app._pool = None
    app.amqp._producer_pool = None


class Worker:
    """`celery -A trialfinder worker`, one process, started and killed at will."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.process = env, log, None

    def start(self) -> Worker:
        offset = self.log.stat().st_size if self.log.exists() else 0
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "trialfinder",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_until(
            lambda: (
                "ready." in self.log.read_text(errors="replace")[offset:]
                or self.process.poll() is not None
            ),
            timeout=60,
            what="the worker to start",
        )
        assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
        return self

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgement, like a machine losing power."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_task(self, result: AsyncResult, timeout: float = 60) -> None:
        """Until this worker has run the task (its log says so: no result backend)."""
        wait_until(
            lambda: f"[{result.id}] succeeded" in self.output(),
            timeout=timeout,
            what=f"the worker to run task {result.id}",
        )


def worker_env(*, redis_url: str, smtp_port: int, var_dir: Path, **extra: str) -> dict[str, str]:
    """The worker's environment: production settings, on this test database."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "trialfinder.settings",
        "SECRET_KEY": "integration-test-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_TIMEOUT": "30",
        "VAR_DIR": str(var_dir),
        "LOG_LEVEL": "INFO",
        **extra,
    }


class SilentServer:
    """A TCP listener on loopback that accepts every connection and never
    says a word: a hung Redis, broker or database. Keeps the connections it
    was offered (`accepted`)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stop.is_set():
            try:
                self.accepted.append(self.listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for held in self.accepted:
            held.close()
        self.listener.close()
