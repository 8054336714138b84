"""Time the sitemap on a database of 500,000 trials.

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE trialfinder_sitemap'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder_sitemap \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder_sitemap \\
        .venv/bin/python bench/sitemap_bench.py [--count 500000] [--repeat 7]

Fills the database up to --count trials with one INSERT ... SELECT from
generate_series (registry-like NCT numbers, 3% unpublished, update dates over
ten years); the sitemap reads nothing else. Then, through the views, the
server time (median of --repeat) of the sitemap index and of the first, a
middle and the last trial page, each with its SQL query count and size, and
beside each page the same rows fetched the usual way, with OFFSET (Django's
Paginator, as django.contrib.sitemaps does), in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from trials import seo  # noqa: E402
from trials.models import Trial  # noqa: E402
from trials.views.seo import sitemap_index, sitemap_trials_view  # noqa: E402

FILL = """
INSERT INTO trials_trial (
    nct_id, slug, brief_title, official_title, overall_status, phases, study_type,
    sex, healthy_volunteers, overview, description, eligibility_criteria, keywords,
    lead_sponsor, allocation, published, source_record, created_at, updated_at, last_updated
)
SELECT
    'NCT' || lpad((10000000 + n)::text, 8, '0'), 'study-' || n, 'Study ' || n, '',
    'RECRUITING', '[]'::jsonb, 'INTERVENTIONAL', 'ALL', false, '', '', '', '[]'::jsonb,
    '', '', n %% 33 <> 0, '{}'::jsonb, now(), now(),
    DATE '2015-01-01' + (n::bigint * 7919 %% 3650)::int
FROM generate_series(%s, %s) AS n
ON CONFLICT (nct_id) DO NOTHING
"""


def fill(count: int) -> None:
    have = Trial.objects.count()
    if have >= count:
        return
    print(f"adding {count - have} trials ...", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(FILL, [have + 1, count])
        cursor.execute("ANALYZE trials_trial")


def timed(call, repeat: int) -> tuple[float, int, int]:
    """(median ms, SQL queries, bytes) of call()."""
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = call()
            times.append((time.perf_counter() - started) * 1000)
    size = len(response.content) if hasattr(response, "content") else 0
    return statistics.median(times), len(queries), size


def offset_page(number: int) -> str:
    """The same page built from rows paged with OFFSET (a count, then LIMIT/OFFSET)."""
    rows = Trial.objects.published().order_by("pk").values_list("nct_id", "last_updated")
    paginator = Paginator(rows, seo.TRIALS_PER_SITEMAP)
    page = paginator.page(min(number + 1, paginator.num_pages))
    return seo.sitemap_xml(seo.trial_entries(page.object_list), kind="url")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    fill(args.count)
    rf = RequestFactory()
    published = Trial.objects.published().count()
    pages = seo.sitemap_pages()
    print(f"{Trial.objects.count():,} trials, {published:,} published, {len(pages)} pages\n")
    print("| what | median ms | SQL queries | bytes | OFFSET paging, ms | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    ms, queries, size = timed(lambda: sitemap_index(rf.get("/sitemap.xml")), args.repeat)
    print(f"| sitemap index ({len(pages)} pages) | {ms:.1f} | {queries} | {size:,} | | |")
    for label, page in (
        ("first", pages[0]),
        ("middle", pages[len(pages) // 2]),
        ("last", pages[-1]),
    ):
        ms, queries, size = timed(
            lambda page=page: sitemap_trials_view(rf.get("/"), number=page.number), args.repeat
        )
        position = pages.index(page)
        offset_ms, _, _ = timed(lambda position=position: offset_page(position), args.repeat)
        print(
            f"| {label} trial page (no. {page.number}) | {ms:.1f} | {queries} | {size:,} | "
            f"{offset_ms:.1f} | {offset_ms / ms:.2f} |"
        )


if __name__ == "__main__":
    main()
