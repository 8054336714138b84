"""Time "Send a message": submit latency, and how fast one worker empties the outbox.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/contact_bench.py [--submits 200] [--inquiries 1000]

Needs PostgreSQL and Redis (the worker is a separate process and must see the
rows). It creates its own database (`bench_<name>`, dropped at the end),
empties the Redis database it is given, starts an aiosmtpd server on loopback
and one `celery -A trialfinder worker --pool=solo`.

1. Submit latency: --submits form posts through Django's test client (the
   whole view: validation, routing, the transaction with the inquiry and its
   two email rows, the publish to Redis, the redirect), with the worker
   delivering meanwhile to an SMTP server that answers at once, then to one
   that answers every message after 2 s. p50/p95 of each; the form never waits
   on SMTP, so the p95s should be about equal (ratio <= 1.2).
2. Delivery: --inquiries inquiries (two emails each) are queued with the
   worker stopped; then the worker is started and timed from "ready" until
   every row is marked sent.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from tests.smtp_server import LoopbackSMTP  # noqa: E402
from tests.stack import Worker, use_broker, wait_until, worker_env  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def submit_latencies(client: Client, trial, count: int, tag: str) -> list[float]:
    url = f"/trials/{trial.nct_id}/contact/"
    timings = []
    for i in range(count):
        data = {
            "first_name": "小明",
            "last_name": "王",
            "email": f"patient-{tag}-{i}@example.com",
            "phone": "+86 138 0013 8000",
            "message": f"Benchmark message {tag} {i}",
            "consent": "on",
        }
        # A different address per post keeps the per-IP rate limit out of the timing.
        extra = {"REMOTE_ADDR": f"10.{i // 65025 % 255}.{i // 255 % 255}.{i % 255}"}
        started = time.perf_counter()
        response = client.post(url, data, **extra)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.content[:2000]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument("--inquiries", type=int, default=1000)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the worker needs both.")

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    original_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"bench_{original_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    use_broker(settings.REDIS_URL)

    from tests.factories import InquiryFactory, SiteFactory
    from trials.emails import inquiry_emails_create
    from trials.models import OutgoingEmail
    from trials.outbox import outbox_enqueue

    site = SiteFactory(contact_email="coordinator@hospital.example", is_primary_contact=True)
    trial = site.trial
    tmp = Path(tempfile.mkdtemp(prefix="contact-bench-"))
    rows = []
    try:
        with LoopbackSMTP() as smtp:
            env = worker_env(
                redis_url=settings.REDIS_URL, smtp_port=smtp.port, var_dir=tmp, DB_CONN_MAX_AGE="60"
            )
            worker = Worker(env, tmp / "worker.log").start()
            client = Client()
            submit_latencies(client, trial, 20, "warmup")
            for label, delay in (("at once", 0.0), ("after 2 s", 2.0)):
                smtp.handler.delay = delay
                timings = submit_latencies(client, trial, args.submits, label.replace(" ", ""))
                rows.append((label, percentile(timings, 50), percentile(timings, 95)))
                print(
                    f"submit, SMTP answering {label}: p50 {rows[-1][1]:.1f} ms, "
                    f"p95 {rows[-1][2]:.1f} ms ({args.submits} posts)",
                    flush=True,
                )
            worker.stop()

            # Delivery: a fresh outbox, the worker stopped while it fills.
            redis.Redis.from_url(settings.REDIS_URL).flushdb()
            OutgoingEmail.objects.all().delete()
            smtp.handler.delay = 0.0
            smtp.handler.received.clear()
            for _ in range(args.inquiries):
                with transaction.atomic():
                    inquiry = InquiryFactory(site=site, trial=trial)
                    outbox_enqueue(email_ids=[e.pk for e in inquiry_emails_create(inquiry=inquiry)])
            total = OutgoingEmail.objects.count()
            worker.start()
            started = time.perf_counter()
            sent = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT)
            wait_until(lambda: sent.count() == total, timeout=3600, what="the outbox to empty")
            elapsed = time.perf_counter() - started
            worker.stop()
            assert len(smtp.received) == total
    finally:
        use_broker(None)
        connection.creation.destroy_test_db(original_name, verbosity=0)

    ratio = rows[1][2] / rows[0][2]
    print()
    print("| Measurement | p50 | p95 |")
    print("|---|---|---|")
    for label, p50, p95 in rows:
        print(f"| Submit, SMTP answering {label} | {p50:.1f} ms | {p95:.1f} ms |")
    print(f"| Ratio of the p95s (2 s / at once) | | {ratio:.2f} |")
    print()
    print(
        f"One worker delivered {total} emails ({args.inquiries} inquiries) in "
        f"{elapsed:.1f} s: {total / elapsed:.0f} emails/s."
    )


if __name__ == "__main__":
    main()
