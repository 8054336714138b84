"""Each SQL statement of a search, timed: where a query's milliseconds go.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_main500k \\
        .venv/bin/python bench/search_statements.py --repeat 5 '"type 2 diabetes"' 'breast cancer'

For each query: trials_search() of the first page, any status (or
--status), best match first, once to warm the process, then --repeat
times with every statement timed (Django's execute_wrapper). Prints the
whole search's median and slowest run, then each statement's median and
slowest, in the order the search sends them. To compare two trees, copy
this file into the other tree's bench/ and run it there on the same
database.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--status", default="all")
    parser.add_argument("queries", nargs="+")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from trials.search import Criteria, trials_search

    for query in args.queries:
        criteria = Criteria(q=query, status=args.status)
        trials_search(criteria=criteria)
        statements: dict[tuple[int, str], list[float]] = {}
        totals = []
        for _ in range(args.repeat):
            timed: list[tuple[str, float]] = []

            def timer(execute, sql, params, many, context, timed=timed):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    text = " ".join((sql or "").split())[:90]
                    timed.append((text, (time.perf_counter() - started) * 1000))

            started = time.perf_counter()
            with connection.execute_wrapper(timer):
                trials_search(criteria=criteria)
            totals.append((time.perf_counter() - started) * 1000)
            for index, (text, ms) in enumerate(timed):
                statements.setdefault((index, text), []).append(ms)
        print(
            f"{query!r}: whole search median {statistics.median(totals):.1f} ms,"
            f" slowest {max(totals):.1f} ms"
        )
        for (_, text), times in statements.items():
            print(f"  {statistics.median(times):7.1f} {max(times):7.1f}  {text}")


if __name__ == "__main__":
    main()
