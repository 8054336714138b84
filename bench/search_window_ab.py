"""The rank window read in date slices (migration 0006) against one read
through the words' GIN index (migration 0010), interleaved query by query in
one process, so that both see the same load on a shared machine:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder_bench_160k \\
        .venv/bin/python bench/search_window_ab.py [--repeat 5]

It installs migration 0006's function under another name
(bench_search_window_sliced) in the bench database, then times
trials_search() for every word query of search_bench.py's mix, once with
each function per round. Prints p50/p95 ms, after and before.
"""

from __future__ import annotations

import argparse
import importlib
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

from django.db import connection  # noqa: E402

from bench.search_bench import MIX, PAGES, percentile  # noqa: E402
from trials.search import trials_search  # noqa: E402

SLICED = "bench_search_window_sliced"


class _Renaming:
    """A cursor that sends the window query to the sliced function when asked."""

    sliced = False

    def __init__(self, cursor) -> None:
        self.cursor = cursor

    def __enter__(self):
        self.cursor.__enter__()
        return self

    def __exit__(self, *exc):
        return self.cursor.__exit__(*exc)

    def __iter__(self):
        return iter(self.cursor)

    def __getattr__(self, name):
        return getattr(self.cursor, name)

    def execute(self, sql, params=None):
        if _Renaming.sliced:
            sql = sql.replace("trials_search_window(", f"{SLICED}(")
        return self.cursor.execute(sql, params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    migration = importlib.import_module("trials.migrations.0010_search_window_speed")
    old = migration.BACKWARD.replace("DROP INDEX IF EXISTS trials_trial_published_updated;", "")
    with connection.cursor() as cursor:
        cursor.execute(old.replace("FUNCTION trials_search_window(", f"FUNCTION {SLICED}("))
    plain_cursor = connection.cursor
    connection.cursor = lambda: _Renaming(plain_cursor())
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| query | p50 ms | p95 ms | before p50 ms | before p95 ms |")
    print("|---|---:|---:|---:|---:|")
    every: dict[bool, list[float]] = {False: [], True: []}
    for label, criteria in MIX:
        if not criteria.q:
            continue
        page = PAGES.get(label, 1)
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.repeat + 1):  # the first round warms
            for sliced in (False, True):
                _Renaming.sliced = sliced
                started = time.perf_counter()
                trials_search(criteria=criteria, page=page)
                times[sliced].append((time.perf_counter() - started) * 1000)
        for sliced in times:
            times[sliced] = times[sliced][1:]
            every[sliced] += times[sliced]
        new, old = times[False], times[True]
        print(
            f"| {label} | {statistics.median(new):.0f} | {percentile(new, 0.95):.0f} "
            f"| {statistics.median(old):.0f} | {percentile(old, 0.95):.0f} |",
            flush=True,
        )
    new, old = every[False], every[True]
    print(
        f"| all word queries | {percentile(new, 0.5):.0f} | {percentile(new, 0.95):.0f} "
        f"| {percentile(old, 0.5):.0f} | {percentile(old, 0.95):.0f} |"
    )
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
