"""Search terminology (issue 19): what it costs a web worker, and how long
each kind of query takes, on the database DATABASE_URL names.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_19_500k \\
        .venv/bin/python bench/terminology_cost.py --repeat 7

Memory: the worker's resident set (psutil) after Django starts and one plain
search ran, then after the English word lists and the Chinese segmenter are
built (the only terminology held in memory: MeSH and HPO stay in the
database). Time: trials_search() of the first page, any status, best match
first, per query kind; the first run of each query is not counted. Then
the understanding alone (trials/understanding.py), each run as a query the
process has not seen.
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

KINDS = {
    "plain": ["breast cancer", "hypertension", "asthma", "schizophrenia", "melanoma"],
    "lay phrase": ["heart attack", "high blood pressure", "shortness of breath", "cold sores",
                   "hair loss"],
    "broad concept + family": ["cancer", "heart disease", "lung disease", "mental illness",
                               "infection"],
    "misspelling": ["diabetis", "alzhiemer disease", "brest cancer", "schizofrenia",
                    "hepatits c"],
    "Chinese": ["乳腺癌", "高血压", "呼吸困难", "我妈妈一直咳嗽", "糖尿病"],
    "quoted phrase": ['"breast cancer"', '"heart failure"', '"lung cancer" -smoking',
                      '"type 2 diabetes"', '"chronic pain"'],
    "everyday": ["kids", "trouble sleeping", "help quitting smoking", "pain after surgery",
                 "healthy volunteers"],
    "British spelling": ["tumour", "paediatric leukaemia", "oesophageal cancer",
                         "anaemia in pregnancy", "behaviour therapy"],
    "Chinese compound": ["胰腺癌", "十二指肠溃疡", "结直肠癌", "我妈妈有胃炎", "卵巢囊肿"],
}  # fmt: skip


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from trials import chinese
    from trials.models import Trial
    from trials.search import Criteria, trials_search
    from trials.spelling import english_words
    from trials.understanding import VOCABULARY

    # A worker with the search code imported and a connection open, before
    # the terminology's parts are built (the first search builds them).
    studies = Trial.objects.count()
    before = rss_mb()
    started = time.perf_counter()
    english_words()
    words_s = time.perf_counter() - started
    after_words = rss_mb()
    started = time.perf_counter()
    vocabulary = VOCABULARY.current()
    chinese.segments("我妈妈一直咳嗽", vocabulary.version, vocabulary.chinese_words)
    segmenter_s = time.perf_counter() - started
    after = rss_mb()
    print(f"{studies:,} studies, {connection.vendor}\n")
    print(f"worker before: {before:.0f} MB")
    print(f"English word lists: +{after_words - before:.0f} MB ({words_s:.1f} s, once per process)")
    print(
        f"Chinese segmenter: +{after - after_words:.0f} MB ({segmenter_s:.1f} s, once per process)"
    )
    print(f"terminology in the worker: +{after - before:.0f} MB\n")
    print("| query kind | queries | median ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for kind, queries in KINDS.items():
        times = []
        for q in queries:
            trials_search(criteria=Criteria(q=q, status="all"))
            for _ in range(args.repeat):
                started = time.perf_counter()
                trials_search(criteria=Criteria(q=q, status="all"))
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"| {kind} | {len(queries)} | {statistics.median(times):.0f} | {p95:.0f} |"
              f" {times[-1]:.0f} |")  # fmt: skip
    print(f"\nworker after the searches: {rss_mb():.0f} MB")
    # The understanding alone, each time as a query this process has not
    # seen (the remembered queries forgotten): its lookups, not the search.
    from trials.understanding import query_understand

    print("\n| query kind, understanding not remembered | median ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|")
    for kind, queries in KINDS.items():
        times = []
        for q in queries:
            for _ in range(args.repeat):
                VOCABULARY.understood.clear()
                started = time.perf_counter()
                query_understand(q)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"| {kind} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} |")


if __name__ == "__main__":
    main()
