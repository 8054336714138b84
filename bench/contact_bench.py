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

With --referral (issue 18), instead: the submit before and after the
referral chain, measured in the same run, alternating:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/contact_bench.py --referral --before 9476fae \
        [--studies 0 5000] [--rounds 10] [--submits 20]

The code of --before (a git revision) is unpacked under var/; each version
gets its own database (`bench_referral_<before|after>_<studies>`, dropped at
the end) with --studies generated studies (bench/generate_studies.py), the
two seed trials and two registry-shaped records (tests/fixtures/registry:
700 sites, and central and backup contacts). A process per version serves
form posts through Django's test client (the whole view, the transaction and
the publish to Redis; no worker runs, so no SMTP time); rounds alternate
which version goes first. --databases names a database already filled for a
version (`before:500000:NAME`: its own migrations, then `import_trials` of
the generator's records by that version's code), used as it is and kept;
the records above are imported into it. Posts go to the seed trial (one site with an
address), to a 700-site trial's site with an address and to one without
(the central contact since issue 18; the operators' mailbox before).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A served version of the code (--serve) is imported from its own tree.
sys.path.insert(0, os.environ.get("BENCH_CODE") or str(ROOT))
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

if "--serve" not in sys.argv:
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
            # Since the separate consents: a message is health information
            # (code before them ignores the field).
            "health_consent": "on",
        }
        # A different address per post keeps the per-IP rate limit out of the timing.
        extra = {"REMOTE_ADDR": f"10.{i // 65025 % 255}.{i // 255 % 255}.{i % 255}"}
        started = time.perf_counter()
        response = client.post(url, data, **extra)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.content[:2000]
    return timings


# Where the referral bench posts from, and to which trial: (label, NCT, lat, lon).
REFERRAL_TARGETS = (
    ("seed trial, 1 site with an address", "NCT06760221", "30.26", "120.17"),
    ("700 sites: a site with an address", "NCT09100006", "29.01871", "120.80714"),
    ("700 sites: a site without one", "NCT09100006", "36.00657", "115.78898"),
)
REFERRAL_RECORDS = (
    "data/NCT06760221.json",
    "data/NCT06987370.json",
    "tests/fixtures/registry/seven_hundred_sites.json",
    "tests/fixtures/registry/central_and_backup.json",
)


def serve() -> None:
    """One version of the code answering "NCT lat lon count tag" lines on stdin
    with the JSON list of its submit times (ms)."""
    from django.db import reset_queries
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client()
    for line in sys.stdin:
        nct_id, lat, lon, count, tag = line.split()
        timings = []
        for i in range(int(count)):
            data = {
                "first_name": "Mei",
                "last_name": "Example",
                "email": f"patient-{tag}-{i}@example.com",
                "phone": "+86 138 0013 8000",
                "lat": lat,
                "lon": lon,
                "message": f"Benchmark message {tag} {i}",
                "consent": "on",
                # Since the separate consents: a message is health information
                # (code before them ignores the field).
                "health_consent": "on",
            }
            extra = {"REMOTE_ADDR": f"10.{i // 65025 % 255}.{i // 255 % 255}.{i % 255}"}
            started = time.perf_counter()
            response = client.post(f"/trials/{nct_id}/contact/", data, **extra)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 302, response.content[:3000]
            reset_queries()
        print(json.dumps(timings), flush=True)


class Version:
    """One version of the code, its database and its serving process."""

    def __init__(
        self, name: str, code: Path, studies: int, base_url: str, database: str | None = None
    ) -> None:
        self.name, self.code = name, code
        # A database filled beforehand (--databases) is used as it is and kept.
        self.kept = database is not None
        self.database = database or f"bench_referral_{name}_{studies}"
        self.url = base_url.rsplit("/", 1)[0] + "/" + self.database
        self.env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "BENCH_CODE": str(code),
            "DEBUG": "1",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "LOG_LEVEL": "ERROR",
            # Thousands of posts from a few addresses: the limits are not measured here.
            "INQUIRY_RATE_LIMIT_PER_IP": "1000000000",
            "INQUIRY_RATE_LIMIT_PER_EMAIL": "1000000000",
            "VAR_DIR": str(code / "var") if code != ROOT else str(ROOT / "var"),
        }
        self.process = None

    def prepare(self, studies: int, admin_url: str) -> None:
        python = str(ROOT / ".venv" / "bin" / "python")
        run = {"env": self.env, "cwd": self.code, "check": True, "capture_output": True}
        records = [str(ROOT / path) for path in REFERRAL_RECORDS]
        if self.kept:
            subprocess.run([python, "manage.py", "import_trials", *records], **run)
            return
        for sql in (f"DROP DATABASE IF EXISTS {self.database}", f"CREATE DATABASE {self.database}"):
            subprocess.run(["psql", admin_url, "-qc", sql], check=True, capture_output=True)
        subprocess.run([python, "manage.py", "migrate", "-v0"], **run)
        if studies:
            # The generator of this tree, into this version's schema.
            generate = [
                python,
                str(ROOT / "bench" / "generate_studies.py"),
                "--count",
                str(studies),
            ]
            subprocess.run(generate, **{**run, "env": {**self.env, "BENCH_CODE": ""}})
        subprocess.run([python, "manage.py", "import_trials", *records], **run)

    def start(self) -> None:
        python = str(ROOT / ".venv" / "bin" / "python")
        self.process = subprocess.Popen(
            [python, str(ROOT / "bench" / "contact_bench.py"), "--serve"],
            env=self.env,
            cwd=self.code,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def submits(self, nct_id: str, lat: str, lon: str, count: int, tag: str) -> list[float]:
        self.process.stdin.write(f"{nct_id} {lat} {lon} {count} {tag}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.name} version stopped; see its output above")
        return json.loads(line)

    def stop(self, admin_url: str) -> None:
        if self.process is not None:
            self.process.stdin.close()
            self.process.wait(timeout=60)
        if self.kept:
            return
        subprocess.run(
            ["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {self.database}"],
            capture_output=True,
        )


def _unpack(revision: str) -> Path:
    target = ROOT / "var" / f"bench-code-{revision}"
    if not (target / "manage.py").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def referral(args) -> None:
    base_url = os.environ["DATABASE_URL"]
    admin_url = base_url
    before = _unpack(args.before)
    columns = ["before p50", "after p50", "before p95", "after p95", "p50 ratio", "p95 ratio"]
    print("| Studies | Submit to | " + " | ".join(columns) + " |")
    print("|---|---|---|---|---|---|---|---|")
    for studies in args.studies:
        versions = [
            Version("before", before, studies, base_url, args.databases.get(("before", studies))),
            Version("after", ROOT, studies, base_url, args.databases.get(("after", studies))),
        ]
        try:
            for version in versions:
                started = time.perf_counter()
                version.prepare(studies, admin_url)
                print(
                    f"<!-- {version.name}: {studies} studies ready in "
                    f"{time.perf_counter() - started:.0f} s -->",
                    flush=True,
                )
                version.start()
            timings = {(v.name, t[0]): [] for v in versions for t in REFERRAL_TARGETS}
            for version in versions:  # warm up: imports, templates, connections
                for _label, nct_id, lat, lon in REFERRAL_TARGETS:
                    version.submits(nct_id, lat, lon, 5, f"warmup{lat}")
            for round_ in range(args.rounds):
                order = versions if round_ % 2 == 0 else versions[::-1]
                for label, nct_id, lat, lon in REFERRAL_TARGETS:
                    for version in order:
                        tag = f"r{round_}{version.name}{nct_id}{lat}"
                        timings[(version.name, label)] += version.submits(
                            nct_id, lat, lon, args.submits, tag
                        )
            for label, *_ in REFERRAL_TARGETS:
                old, new = timings[("before", label)], timings[("after", label)]
                o50, n50, o95, n95 = (
                    percentile(old, 50),
                    percentile(new, 50),
                    percentile(old, 95),
                    percentile(new, 95),
                )
                print(
                    f"| {studies:,} | {label} | {o50:.1f} ms | {n50:.1f} ms | {o95:.1f} ms "
                    f"| {n95:.1f} ms | {n50 / o50:.2f} | {n95 / o95:.2f} |",
                    flush=True,
                )
        finally:
            for version in versions:
                version.stop(admin_url)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()


def main() -> None:
    if "--serve" in sys.argv:
        serve()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument("--inquiries", type=int, default=1000)
    parser.add_argument("--referral", action="store_true")
    parser.add_argument("--before", default="main", help="git revision of today's submit")
    parser.add_argument("--studies", type=int, nargs="+", default=[0, 5000])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--databases",
        nargs="*",
        default=[],
        metavar="VERSION:STUDIES:NAME",
        help="a database already filled with STUDIES studies for VERSION (before or after),"
        " used instead of generating one, and kept: before:500000:bench_before_500k",
    )
    args = parser.parse_args()
    args.databases = {
        (version, int(studies)): name
        for version, studies, name in (item.split(":") for item in args.databases)
    }
    if args.referral:
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL.")
        referral(args)
        return
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
