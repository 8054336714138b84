"""Send a message while a service stalls, timed: the wall-clock numbers that
tests/test_broker_hung.py and tests/test_database_down.py no longer assert
(those tests check what the patient sees; how long it took is measured here).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_bench_stalls \\
        .venv/bin/python bench/stall_bench.py [--submits 10] [--outages 3] [--keepdb]

Needs PostgreSQL; no Redis (the brokers are stand-ins on loopback). Creates
the test database of DATABASE_URL (`test_<name>`, migrated; dropped at the
end unless --keepdb), one trial with one site, then posts the contact form
through Django's test client (the whole view: validation, routing, the
transaction with the inquiry and its two email rows, the publish after
commit, the redirect), --submits times in each state of the broker:

- eager: no broker, the emails are sent in this process to a locmem backend;
- refused: a broker address where nothing listens;
- hung: a broker that accepts connections and never answers.

Then --outages posts while the database host accepts connections and never
answers, until the 503 with the kept form. Prints p50 and the slowest of
each, and each broker state's p50 as a ratio to eager.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings_test")
os.environ.pop("REDIS_URL", None)
os.environ.pop("TEST_REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from tests.stack import SilentServer, use_broker  # noqa: E402


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def form(n: int) -> dict:
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": f"patient{n}@example.org",
        "phone": "+44 20 7946 0000",
        "consent": "on",
        "health_consent": "on",
    }


def submit(url: str, n: int, expect: int) -> float:
    # A new visitor and address each time: no rate limit, no duplicate.
    client = Client(REMOTE_ADDR=f"10.1.{n // 250}.{n % 250 + 1}")
    started = time.perf_counter()
    response = client.post(url, form(n))
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != expect:
        from tests.page_text import page_text

        sys.exit(f"{response.status_code}, not {expect}: {page_text(response)[:2000]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submits", type=int, default=10)
    parser.add_argument("--outages", type=int, default=3)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server.")

    setup_test_environment()
    # The refused and hung publishes and the outage log errors by design.
    logging.disable(logging.CRITICAL)
    name = connection.creation.create_test_db(verbosity=0, keepdb=args.keepdb)
    try:
        from tests.factories import SiteFactory, TrialFactory
        from trials.models import OutgoingEmail

        trial = TrialFactory()
        SiteFactory(trial=trial, contact_email="site@hospital.example", is_primary_contact=True)
        url = reverse("trials:contact", args=[trial.nct_id])
        n = 0
        rows: list[tuple[str, list[float]]] = []
        silent = SilentServer()
        for state, broker in (
            ("eager (no broker)", None),
            ("broker refused", f"redis://127.0.0.1:{closed_port()}/0"),
            ("broker hung", f"redis://127.0.0.1:{silent.port}/0"),
        ):
            use_broker(broker)
            submit(url, n := n + 1, 302)  # warm: the first post compiles templates
            rows.append((state, [submit(url, n := n + 1, 302) for _ in range(args.submits)]))
        use_broker(None)
        queued = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).count()

        real = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}
        outage: list[float] = []
        for _ in range(args.outages):
            connection.close()
            connection.settings_dict.update(HOST="127.0.0.1", PORT=str(silent.port))
            try:
                outage.append(submit(url, n := n + 1, 503))
            finally:
                connection.close()
                connection.settings_dict.update(real)
        silent.close()
    finally:
        connection.creation.destroy_test_db(name, verbosity=0, keepdb=args.keepdb)

    eager = statistics.median(rows[0][1])
    print(
        f"{args.submits} submits a state after one warm-up; load average {os.getloadavg()[0]:.1f}"
    )
    print("| state | p50 ms | slowest ms | p50 / eager |")
    print("|---|---:|---:|---:|")
    for state, times in rows:
        p50 = statistics.median(times)
        print(f"| {state} | {p50:.0f} | {max(times):.0f} | {p50 / eager:.2f} |")
    print(f"| database host silent (503) | {statistics.median(outage):.0f} | {max(outage):.0f} | |")
    print(f"emails left queued for the sweeper (refused and hung): {queued}")
    print(f"DB connect_timeout: {connection.settings_dict['OPTIONS'].get('connect_timeout')} s")


if __name__ == "__main__":
    main()
