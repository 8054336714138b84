"""Time the study-team inbox: the first page of an account holding 10,000 inquiries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_18b \\
        .venv/bin/python bench/inbox_bench.py [--inquiries 10000] [--others 50000] [--repeat 200]

Creates its own database (`bench_<name>`, dropped at the end): one trial with
three sites the account holds and --inquiries inquiries spread over them (a
fifth answered, for the medians), and --others inquiries at 200 sites other
accounts hold, so the one query of `Inquiry.objects.for_member` has to keep
the account's rows apart. Renders through Django's test client, signed in,
alternating in the same run with a static reference (the privacy page):
the inbox's first page, its page filtered by status, a search by phone, the
last page, one inquiry's page. Prints p50/p95 in ms, the ratio of each p95
to the reference's, and the queries each page makes.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings_test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from trials.models import Inquiry, Site, SiteMembership, Trial  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def inquiries_for(sites: list[Site], count: int, start: int) -> list[Inquiry]:
    now = timezone.now()
    rows = []
    for i in range(count):
        site = sites[i % len(sites)]
        answered = i % 5 == 0
        rows.append(
            Inquiry(
                trial_id=site.trial_id,
                site=site,
                first_name=f"Ming{start + i}",
                last_name="Wang",
                email=f"patient{start + i}@example.com",
                phone=f"+86555{start + i:07d}",
                preferred_language="zh-hans",
                location_text="Hangzhou",
                routing="nearest",
                consent_at=now,
                dedupe_key=f"bench-{start + i}",
                status="contacted" if answered else "new",
                first_response_at=now if answered else None,
                prescreen_answers=[{"question": "Age", "answer": "54", "verdict": "met"}],
            )
        )
    return rows


def populate(*, inquiries: int, others: int) -> tuple[User, Inquiry]:
    held_trial = Trial.objects.create(nct_id="NCT09000000", brief_title="Inbox bench trial")
    held = [
        Site.objects.create(trial=held_trial, facility=f"Held Hospital {n}", city="Hangzhou")
        for n in range(3)
    ]
    other_trial = Trial.objects.create(nct_id="NCT09000001", brief_title="Other trial")
    others_sites = Site.objects.bulk_create(
        Site(trial=other_trial, facility=f"Other Hospital {n}", city="Ningbo") for n in range(200)
    )
    user = User.objects.create_user("lin@example.org", "lin@example.org")
    for site in held:
        SiteMembership.objects.create(user=user, site=site, status="confirmed")
    for n, site in enumerate(others_sites):
        other = User.objects.create_user(f"other{n}@example.org", f"other{n}@example.org")
        SiteMembership.objects.create(user=other, site=site, status="confirmed")
    # Interleaved in time: the account's messages arrive between everybody else's.
    rows = inquiries_for(held, inquiries, 0) + inquiries_for(others_sites, others, inquiries)
    random.Random(18).shuffle(rows)
    Inquiry.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        # Received over the last months, newest last; answered an hour or more later.
        cursor.execute(
            "UPDATE trials_inquiry SET created_at = now() - (id * interval '7 minutes'),"
            " first_response_at = CASE WHEN first_response_at IS NULL THEN NULL"
            " ELSE now() - (id * interval '7 minutes') + ((id % 48) * interval '1 hour') END"
        )
        cursor.execute("ANALYZE")
    return user, Inquiry.objects.filter(site__in=held).order_by("-created_at")[500]


def measure(client: Client, pages: dict[str, str], repeat: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in pages}
    for url in pages.values():  # warm-up
        assert client.get(url).status_code == 200, url
    for _ in range(repeat):
        for name, url in pages.items():
            started = time.perf_counter()
            response = client.get(url)
            timings[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inquiries", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server.")
    setup_test_environment()
    original_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"bench_{original_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        user, one = populate(inquiries=args.inquiries, others=args.others)
        client = Client()
        client.force_login(user)
        last_page = -(-args.inquiries // 25)
        pages = {
            "reference: privacy page (static)": "/privacy/",
            "inbox, first page": "/team/",
            "inbox, status = new": "/team/?status=new",
            "inbox, search by phone": "/team/?q=5550000123",
            f"inbox, last page ({last_page})": f"/team/?page={last_page}",
            "one inquiry": f"/team/inquiries/{one.pk}/",
        }
        timings = measure(client, pages, args.repeat)
        reference = percentile(timings["reference: privacy page (static)"], 95)
        print(
            f"{args.inquiries} inquiries held, {args.others} at other sites; "
            f"{args.repeat} renders each"
        )
        print("| page | queries | p50 ms | p95 ms | p95 / reference |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, url in pages.items():
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            p50, p95 = percentile(timings[name], 50), percentile(timings[name], 95)
            print(f"| {name} | {len(queries)} | {p50:.1f} | {p95:.1f} | {p95 / reference:.2f} |")
        with connection.cursor() as cursor:
            query = (
                Inquiry.objects.for_member(user)
                .select_related("trial", "site")
                .order_by("-created_at")[:25]
            )
            sql, params = query.query.sql_with_params()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("\nThe first page's rows:\n" + "\n".join(row[0] for row in cursor.fetchall()))
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
