"""A trial page's CPU and queries with and without a session cookie, in
one process: what a visitor's session costs the page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_main \\
        .venv/bin/python bench/session_cpu.py [--requests 600] [--rounds 3]

Production settings as bench/page_cpu.py sets them (DEBUG off, manifest
static files: run collectstatic first, as bench/load_bench.py does; Redis
unset). A random published trial on each
request (seeded, the same walk for both), through Django's test client and
every middleware, after one pass over the same trials to warm the process
and store their pages. "with a session" sends the cookie of a real
session holding something (as a sent message or a chosen language
leaves), no pre-screen answer. Prints `time.process_time` and wall time
per request and the queries a request sends, for each round. To compare
two trees, copy this file into the other tree's bench/ and run it there.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.page_cpu import production_environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    production_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from trials.models import Trial

    published = Trial.objects.published().order_by("nct_id")
    urls = [trial.get_absolute_url() for trial in published[:3000]]
    session = SessionStore()
    session["visited"] = True
    session.create()

    def measure(with_session: bool) -> tuple[float, float, float]:
        client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
        if with_session:
            client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        walk = random.Random(1).choices(urls, k=args.requests)
        for url in walk:
            assert client.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as queries:
            cpu, wall = time.process_time(), time.perf_counter()
            for url in walk:
                client.get(url)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        count = args.requests
        return cpu * 1000 / count, wall * 1000 / count, len(queries) / count

    print("| round | session cookie | CPU ms/request | wall ms/request | queries/request |")
    print("|---:|---|---:|---:|---:|")
    for round_ in range(1, args.rounds + 1):
        for with_session in (False, True):
            cpu, wall, queries = measure(with_session)
            label = "yes" if with_session else "no"
            print(f"| {round_} | {label} | {cpu:.2f} | {wall:.2f} | {queries:.2f} |", flush=True)


if __name__ == "__main__":
    main()
