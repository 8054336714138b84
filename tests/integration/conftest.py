"""The real stack for delivery tests: a Celery worker process on the real Redis,
reading the pytest PostgreSQL database, sending to an aiosmtpd server on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis

from tests.smtp_server import LoopbackSMTP
from tests.stack import WORKER_CLOCKS, Worker, use_broker, worker_env


@pytest.fixture
def smtp() -> Iterator[LoopbackSMTP]:
    with LoopbackSMTP() as server:
        yield server


@pytest.fixture
def stack(postgres, redis_url, smtp, tmp_path) -> Iterator[Worker]:
    """A worker on the real Redis and the pytest database, and this process
    publishing to the same Redis. Redis db is emptied first: no task from an
    earlier run points at rows of this database."""
    redis.Redis.from_url(redis_url).flushdb()
    env = worker_env(
        redis_url=redis_url, smtp_port=smtp.port, var_dir=tmp_path / "var", **WORKER_CLOCKS
    )
    worker = Worker(env, tmp_path / "worker.log")
    use_broker(redis_url)
    try:
        yield worker.start()
    finally:
        worker.stop()
        use_broker(None)
        if os.getenv("SHOW_WORKER_LOG"):
            print(worker.output())
