"""Chinese condition names (issue 22): what naming the registry's conditions
costs, at 20,000 and 200,000 distinct condition names, on the database
DATABASE_URL names (migrated, `load_terminology` run; its conditions are
replaced).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_chinese \\
        .venv/bin/python bench/condition_names_bench.py

Names: MeSH 2024 entry terms as written (the registry's conditions are mostly
MeSH-like), then made-up long-tail names ("Example Condition 123 Variant"),
as many as needed. Measured: `condition_names_refresh()` over every condition
(what `load_terminology` runs) and `chinese_condition_names()` of 50 new names
(what one import batch runs), with their queries; and the queries a page
spends on the names (none: they are a column of the conditions it reads).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from trials.condition_names import chinese_condition_names, condition_names_refresh  # noqa: E402
from trials.models import Condition, TerminologyTerm  # noqa: E402


def fill(count: int) -> None:
    Condition.objects.all().delete()
    terms = list(
        TerminologyTerm.objects.filter(source="mesh")
        .order_by("pk")
        .values_list("term", flat=True)
        .distinct()[:count]
    )
    names = list(dict.fromkeys(terms))
    names += [f"Example Condition {n} Variant" for n in range(count - len(names))]
    Condition.objects.bulk_create(
        [Condition(name=name[:300], slug=f"c-{n}") for n, name in enumerate(names)],
        batch_size=5000,
    )


def measure(count: int) -> dict:
    fill(count)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as refresh_queries:
        changed = condition_names_refresh()
    refresh_s = time.perf_counter() - started
    named = Condition.objects.exclude(name_zh_hans="").count()
    new = [f"Breast Cancer Stage {n}" for n in range(45)] + [
        "Breast Cancer",
        "Hypertension",
        "Asthma",
        "Melanoma",
        "Soft Tissue Sarcoma",
    ]
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as lookup_queries:
        found = chinese_condition_names(new)
    lookup_ms = (time.perf_counter() - started) * 1000
    return {
        "count": count,
        "refresh_s": refresh_s,
        "refresh_queries": len(refresh_queries.captured_queries),
        "changed": changed,
        "named": named,
        "lookup_ms": lookup_ms,
        "lookup_queries": len(lookup_queries.captured_queries),
        "found": len(found),
    }


def main() -> None:
    rows = [measure(20_000), measure(200_000)]
    for row in rows:
        print(
            f"{row['count']:>7,} conditions: refresh {row['refresh_s']:.1f} s in "
            f"{row['refresh_queries']} queries, {row['named']:,} named in Chinese; "
            f"50 new names {row['lookup_ms']:.0f} ms in {row['lookup_queries']} queries "
            f"({row['found']} named)"
        )
    small, large = rows
    print(
        f"ratio 200k/20k: refresh time {large['refresh_s'] / small['refresh_s']:.1f}x, "
        f"50-name lookup {large['lookup_ms'] / small['lookup_ms']:.2f}x, "
        f"its queries {large['lookup_queries']}/{small['lookup_queries']}"
    )
    Condition.objects.all().delete()


if __name__ == "__main__":
    main()
