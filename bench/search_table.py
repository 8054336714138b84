"""Print the README table from search_bench.py's JSON (large run and 2-study run).

.venv/bin/python bench/search_table.py /tmp/search_bench.json /tmp/search_bench_small.json
"""

import json
import sys


def main() -> None:
    large = json.load(open(sys.argv[1]))
    small = {row["query"]: row["queries"] for row in json.load(open(sys.argv[2]))["rows"]}
    print("| query | results | p50 ms | p95 ms | match-only ms | queries/page 500k | at 2 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in large["rows"]:
        print(
            f"| {row['query']} | {row['count']} | {row['p50']:.1f} | {row['p95']:.1f} "
            f"| {row['floor']:.1f} | {row['queries']} | {small.get(row['query'], '')} |"
        )
    s = large["summary"]
    print()
    print("| over the mix | measured | target |")
    print("|---|---:|---:|")
    print(f"| p50, all 36 queries | {s['p50']:.1f} ms | |")
    print(f"| p95, all 36 queries | {s['p95']:.1f} ms | ≤ 100 ms |")
    print(f"| p50, distance-sorted | {s['distance_p50']:.1f} ms | |")
    print(f"| p95, distance-sorted | {s['distance_p95']:.1f} ms | ≤ 50 ms |")


if __name__ == "__main__":
    main()
