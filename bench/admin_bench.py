"""Staff's admin at registry scale (issue 23): each list, its search and filters,
a 715-site trial's page, and the CSV export of 100,000 inquiries.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder_bench_500k
    .venv/bin/python bench/admin_bench.py --prepare      # once: inquiries, emails, subscribers
    .venv/bin/python bench/admin_bench.py --repeat 21    # the pages: p50/p95 ms and KB
    .venv/bin/python bench/admin_bench.py --export       # peak memory of the CSV export

Against a database filled by bench/generate_studies.py (its own database: the
script writes to it). --prepare adds, in SQL: a staff user, one trial grown
to 715 sites (the registry's largest kind), --inquiries inquiries spread
over the trials (each with its email to the site) and --subscribers
subscribers with one trial sent each; then ANALYZE. The pages are rendered
by Django's test client in this one process (as one worker would), logged
in as a superuser, DEBUG off; each page once to warm up, then --repeat times.
--export streams the inquiry CSV (select all, the action staff use) in a
fresh process and reports the rise of its peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

ADMIN = "/" + settings.ADMIN_URL + "trials/"
BIG_SITES = 715


def prepare(inquiries: int, subscribers: int) -> None:
    with connection.cursor() as cursor:
        # The trial with the most sites, grown to 715.
        cursor.execute(
            "SELECT trial_id, count(*) FROM trials_site GROUP BY trial_id ORDER BY 2 DESC LIMIT 1"
        )
        trial_id, sites = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO trials_site (trial_id, facility, address, city, state, postal_code,
                country, latitude, longitude, status, contact_name, contact_email,
                contact_phone, languages, is_primary_contact)
            SELECT %s, 'Bench Hospital ' || n, '', 'Jinan', '', '',
                (ARRAY['China', 'United States', 'France', 'Germany'])[1 + n %% 4],
                36.6, 117.0, 'RECRUITING', '', '', '', '[]', false
            FROM generate_series(1, %s) AS n
            """,
            [trial_id, max(0, BIG_SITES - sites)],
        )
        cursor.execute("SELECT max(id), min(id) FROM trials_trial")
        top, bottom = cursor.fetchone()
        # Inquiries to random trials' first sites, the newest on top.
        cursor.execute(
            """
            INSERT INTO trials_inquiry (trial_id, site_id, first_name, last_name, email, phone,
                preferred_language, language, location_text, latitude, longitude, distance_km,
                routing, message, consent_at, notify_other_trials, prescreen_answers, status,
                dedupe_key, created_at, contact_method, contact_time, recipient_addresses,
                recipient_reason)
            SELECT s.trial_id, s.id, 'Patient', 'Number ' || n, 'patient' || n || '@example.com',
                '+15555550' || lpad((n %% 1000)::text, 3, '0'), 'en', 'en', 'Hangzhou', NULL,
                NULL, NULL, 'primary', 'I would like to know more.',
                now() - n * interval '1 minute', false, '[]',
                (ARRAY['new', 'contacted', 'screening'])[1 + n %% 3], 'bench-' || n,
                now() - n * interval '1 minute', '', '', '["site@example.org"]', 'site_contact'
            FROM generate_series(1, %s) AS n
            JOIN LATERAL (
                SELECT id, trial_id FROM trials_site
                WHERE trial_id >= %s + (n * 7919) %% (%s - %s + 1)
                ORDER BY trial_id LIMIT 1
            ) s ON true
            """,
            [inquiries, bottom, top, bottom],
        )
        cursor.execute(
            """
            INSERT INTO trials_outgoingemail (kind, inquiry_id, "to", reply_to, subject,
                body_text, body_html, headers, message_id, status, attempts, last_error,
                created_at, status_changed_at, sent_at)
            SELECT 'site_inquiry', i.id, 'site@example.org', '', 'A patient asks about a trial',
                'Body', '', '{}', '<bench-' || i.id || '@example.org>', 'sent', 1, '',
                i.created_at, i.created_at, i.created_at
            FROM trials_inquiry i WHERE i.dedupe_key LIKE 'bench-%%'
            """
        )
        cursor.execute(
            """
            INSERT INTO trials_subscription (email, interests, place_text, radius_km, language,
                status, created_at)
            SELECT 'subscriber' || n || '@example.com', 'sarcoma', '', NULL, 'en', 'confirmed',
                now() - n * interval '1 minute'
            FROM generate_series(1, %s) AS n
            """,
            [subscribers],
        )
        cursor.execute(
            """
            INSERT INTO trials_subscriptiondelivery (subscription_id, trial_id, created_at)
            SELECT s.id, %s + (s.id * 7919) %% (%s - %s + 1), s.created_at
            FROM trials_subscription s
            WHERE EXISTS (
                SELECT 1 FROM trials_trial t WHERE t.id = %s + (s.id * 7919) %% (%s - %s + 1)
            )
            """,
            [bottom, top, bottom, bottom, top, bottom],
        )
        cursor.execute("ANALYZE")
    if not User.objects.filter(username="bench-admin").exists():
        User.objects.create_superuser("bench-admin", "bench-admin@example.org", "bench")
    print("prepared: a trial of 715 sites, inquiries, emails, subscribers")


def staff_client() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="bench-admin"))
    return client


def pages() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id, t.nct_id FROM trials_trial t JOIN trials_site s ON s.trial_id = t.id"
            " GROUP BY t.id HAVING count(*) >= %s LIMIT 1",
            [BIG_SITES],
        )
        big_id, big_nct = cursor.fetchone()
        cursor.execute(
            "SELECT nct_id FROM trials_trial ORDER BY id"
            " OFFSET (SELECT count(*) / 2 FROM trials_trial) LIMIT 1"
        )
        (middle_nct,) = cursor.fetchone()
        cursor.execute(
            "SELECT i.id, i.site_id, i.trial_id, t.nct_id FROM trials_inquiry i"
            " JOIN trials_trial t ON t.id = i.trial_id ORDER BY i.id DESC LIMIT 1"
        )
        inquiry_id, site_id, _trial_id, inquiry_nct = cursor.fetchone()
        # The country with the most sites (codes or names, as the records give them).
        cursor.execute(
            "SELECT country FROM trials_site TABLESAMPLE SYSTEM (1)"
            " GROUP BY country ORDER BY count(*) DESC LIMIT 1"
        )
        (common_country,) = cursor.fetchone()
        cursor.execute("SELECT max(id) FROM trials_outgoingemail")
        (email_id,) = cursor.fetchone()
        cursor.execute("SELECT max(id) FROM trials_subscription")
        (subscription_id,) = cursor.fetchone()
        cursor.execute(
            "SELECT id FROM trials_condition ORDER BY name = 'breast cancer' DESC, id LIMIT 1"
        )
        (condition_id,) = cursor.fetchone()
    return {
        "trial list": f"{ADMIN}trial/",
        "trial list, sorted by NCT number": f"{ADMIN}trial/?o=1",
        "trial list, recruiting in China": (
            f"{ADMIN}trial/?overall_status__exact=RECRUITING&country=China"
        ),
        "trial list, recruiting in the country of most sites": (
            f"{ADMIN}trial/?overall_status__exact=RECRUITING&country={common_country}"
        ),
        "trial search: an NCT number": f"{ADMIN}trial/?q={middle_nct}",
        "trial search: the start of one": f"{ADMIN}trial/?q={middle_nct[:7]}",
        "trial search: sarcoma": f"{ADMIN}trial/?q=sarcoma",
        "trial search: cancer": f"{ADMIN}trial/?q=cancer",
        "trial search: one letter": f"{ADMIN}trial/?q=a",
        "trial search: 10,000 characters": f"{ADMIN}trial/?q={'cancer ' * 1430}",
        "trial page: 715 sites": f"{ADMIN}trial/{big_id}/change/",
        "site list": f"{ADMIN}site/",
        "site list: the 715-site trial": f"{ADMIN}site/?trial={big_nct}",
        "site list: its search": f"{ADMIN}site/?trial={big_nct}&q=Bench+Hospital+7",
        "site page": f"{ADMIN}site/{site_id}/change/",
        "inquiry list": f"{ADMIN}inquiry/",
        "inquiry list: one trial": f"{ADMIN}inquiry/?trial={inquiry_nct}",
        "inquiry list: one site": f"{ADMIN}inquiry/?site={site_id}",
        "inquiry search: an NCT number": f"{ADMIN}inquiry/?q={inquiry_nct}",
        "inquiry search: an email": f"{ADMIN}inquiry/?q=patient77%40example.com",
        "inquiry list: unknown filter value": f"{ADMIN}inquiry/?trial=sarcoma",
        "inquiry page": f"{ADMIN}inquiry/{inquiry_id}/change/",
        "outgoing email list": f"{ADMIN}outgoingemail/",
        "outgoing email list: one trial": f"{ADMIN}outgoingemail/?trial={inquiry_nct}",
        "outgoing email search: Message-ID": (
            f"{ADMIN}outgoingemail/?q=bench-{inquiry_id}%40example.org"
        ),
        "outgoing email page": f"{ADMIN}outgoingemail/{email_id}/change/",
        "subscription list": f"{ADMIN}subscription/",
        "subscription search": f"{ADMIN}subscription/?q=subscriber77%40example.com",
        "subscription page": f"{ADMIN}subscription/{subscription_id}/change/",
        "trials sent to subscribers": f"{ADMIN}subscriptiondelivery/",
        "condition list": f"{ADMIN}condition/",
        "condition search: sarc": f"{ADMIN}condition/?q=sarc",
        "condition page": f"{ADMIN}condition/{condition_id}/change/",
    }


def backend_process() -> psutil.Process:
    """This process's PostgreSQL backend, to time the database's CPU as well."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return psutil.Process(cursor.fetchone()[0])


def cpu_seconds(backend: psutil.Process) -> tuple[float, float]:
    """CPU used so far by this process (Python) and by its database backend."""
    times = backend.cpu_times()
    return time.process_time(), times.user + times.system


def measure(repeat: int, only: str | None = None) -> None:
    """Each page's wall time, and beside it the CPU it took (this process's
    Python, then its PostgreSQL backend's): on 2 cores shared with other
    engineers' runs, wall time waits on them, CPU time much less. CPU is the
    mean per request (the kernel counts it in 10 ms ticks)."""
    client = staff_client()
    client.get(f"{ADMIN}trial/")  # opens the connection whose backend is timed
    backend = backend_process()
    print(f"<!-- load average at the start: {os.getloadavg()[0]:.1f} -->")
    print(
        "| page | p50 ms | p95 ms | CPU ms, Python | CPU ms, PostgreSQL | KB | queries |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for name, url in pages().items():
        if only and only not in name:
            continue
        client.get(url, follow=True)  # warm: the process's caches, the database's buffers
        times, python_cpu, database_cpu, size = [], [], [], 0
        for _ in range(repeat):
            cpu_before = cpu_seconds(backend)
            start = time.perf_counter()
            # A search too long is answered by a redirect to the search cut: both timed.
            response = client.get(url, follow=True)
            times.append((time.perf_counter() - start) * 1000)
            cpu_after = cpu_seconds(backend)
            python_cpu.append((cpu_after[0] - cpu_before[0]) * 1000)
            database_cpu.append((cpu_after[1] - cpu_before[1]) * 1000)
            assert response.status_code == 200, (name, response.status_code)
            size = len(response.content)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, follow=True)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(
            f"| {name} | {statistics.median(times):.0f} | {p95:.0f} "
            f"| {statistics.mean(python_cpu):.0f} | {statistics.mean(database_cpu):.0f} "
            f"| {size / 1024:.0f} | {len(queries.captured_queries)} |",
            flush=True,
        )
    print(f"<!-- load average at the end: {os.getloadavg()[0]:.1f} -->")


def export() -> None:
    client = staff_client()
    client.get(f"{ADMIN}inquiry/")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    response = client.post(
        f"{ADMIN}inquiry/",
        {"action": "export_csv", "select_across": "1", "_selected_action": ["0"]},
    )
    rows = size = 0
    # The export before issue 23 answered one HttpResponse: measured the same way.
    chunks = response.streaming_content if response.streaming else [response.content]
    for chunk in chunks:
        rows += chunk.count(b"\n")
        size += len(chunk)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"CSV export: {rows - 1:,} inquiries, {size / 1e6:.1f} MB in {elapsed:.1f} s; "
        f"peak RSS {before:.0f} MB before, {after:.0f} MB after (+{after - before:.0f} MB)"
    )


def collect_static() -> None:
    """DEBUG off serves hashed static names, as in production: they must exist."""
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--export", action="store_true")
    parser.add_argument("--inquiries", type=int, default=100_000)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--only", help="only the pages whose name contains this")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.inquiries, args.subscribers)
    elif args.export:
        collect_static()
        export()
    else:
        collect_static()
        measure(args.repeat, args.only)


if __name__ == "__main__":
    main()
