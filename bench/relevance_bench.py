"""Relevance: a judged set of patient queries over registry-shaped records,
the previous search and the new one side by side, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder_relevance \\
        .venv/bin/python bench/relevance_bench.py
    .venv/bin/python bench/relevance_bench.py --sqlite    # the new search on SQLite only

The database is emptied and filled: for each topic of bench/relevance_data.py
eight trials as ClinicalTrials.gov API v2 records with derivedSection
(imported by the real importer), and two trials of other topics that
mention it only in their exclusion criteria and description; 200 unrelated
studies beside them. Then the shipped vocabulary is loaded (load_vocabulary).

Queries, in five groups: the registry name (plain), a lay phrase (lay
words, some whole sentences), a broader term judged by MeSH ancestor
(broader), a misspelling (misspellings) and Simplified Chinese (Chinese).
For each: hit@10 (a relevant trial among the first 10), recall@10 (relevant
trials among the first 10, over min(10, relevant)), MRR (1 / rank of the
first relevant, 0 past 10). Any status; best match first.

"previous" is main's search before this work (trials/search.py at
0007_search_title_index), reimplemented here faithfully for a registry
smaller than its rank window: websearch_to_tsquery over title, conditions,
official title, keywords, sponsor, summary and description; ts_rank on the
title and conditions (A) and official title, keywords and sponsor (B);
newest first among equals; and when nothing matches, the condition name
nearest the query by word_similarity (at least 0.5) searched instead.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")
os.environ.setdefault("DEBUG", "1")

from bench.relevance_data import BROADER, CHINESE_BROADER, DRUGS, TITLES, TOPICS  # noqa: E402

GROUPS = ("plain", "lay words", "broader", "misspellings", "Chinese")
TRIALS_PER_TOPIC = 8
UNRELATED = 200


def topics() -> list[dict]:
    found = []
    for line in TOPICS.strip().splitlines():
        name, meshes, ancestors, lay, typo, chinese = line.split("|")
        found.append(
            {
                "name": name,
                "meshes": meshes.split(";"),
                "ancestors": ancestors.split(";"),
                "lay": lay,
                "typo": typo,
                "chinese": chinese,
            }
        )
    return found


def record(
    number: int, title: str, conditions: list[str], meshes: list, ancestors: list, **text
) -> dict:
    rng = random.Random(number)
    return {
        "protocolSection": {
            "identificationModule": {"nctId": f"NCT{50000000 + number:08d}", "briefTitle": title},
            "statusModule": {
                "overallStatus": rng.choice(["RECRUITING", "COMPLETED", "NOT_YET_RECRUITING"]),
                "lastUpdatePostDateStruct": {
                    "date": (
                        datetime.date(2010, 1, 1) + datetime.timedelta(rng.randint(0, 5500))
                    ).isoformat()
                },
            },
            "descriptionModule": {
                "briefSummary": text.get("summary", f"This study looks at {title.lower()}."),
                "detailedDescription": text.get("description", ""),
            },
            "conditionsModule": {"conditions": conditions},
            "eligibilityModule": {"eligibilityCriteria": text.get("eligibility", "")},
            "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE2"]},
        },
        "derivedSection": {
            "conditionBrowseModule": {
                "meshes": [{"id": "", "term": term} for term in meshes],
                "ancestors": [{"id": "", "term": term} for term in ancestors],
            }
        },
    }


def registry(all_topics: list[dict]) -> tuple[list[dict], dict[str, set[str]]]:
    """The records, and the NCT numbers relevant to each topic's name."""
    rng = random.Random(9)
    records, relevant = [], defaultdict(set)
    number = 0
    for topic in all_topics:
        for index in range(TRIALS_PER_TOPIC):
            number += 1
            drug = rng.choice(DRUGS)
            title = TITLES[index % len(TITLES)].format(drug=drug, name=topic["name"])
            if index % 4 == 3:
                # Some titles name only the treatment: the condition is in the
                # conditions list and the registry's concepts.
                title = f"{drug.capitalize()} in a randomized trial, cohort {index}"
            records.append(
                record(number, title, [topic["name"]], topic["meshes"], topic["ancestors"])
            )
            relevant[topic["name"]].add(f"NCT{50000000 + number:08d}")
    for position, topic in enumerate(all_topics):
        other = all_topics[(position + 7) % len(all_topics)]
        for _ in range(2):
            number += 1
            records.append(
                record(
                    number,
                    f"{rng.choice(DRUGS).capitalize()} for {other['name']}",
                    [other["name"]],
                    other["meshes"],
                    other["ancestors"],
                    description=f"People who also have {topic['name'].lower()} cannot take part.",
                    eligibility=f"Exclusion Criteria:\n* {topic['name']}\n* pregnancy",
                )
            )
            relevant[other["name"]].add(f"NCT{50000000 + number:08d}")
    for _ in range(UNRELATED):
        number += 1
        records.append(
            record(number, f"Sleep and exercise in healthy adults {number}", ["Healthy"], [], [])
        )
    return records, relevant


def judged_queries(all_topics: list[dict], relevant: dict, records: list) -> list[tuple]:
    """(group, query, relevant NCT numbers)."""
    concepts = {
        r["protocolSection"]["identificationModule"]["nctId"]: {
            m["term"]
            for key in ("meshes", "ancestors")
            for m in r["derivedSection"]["conditionBrowseModule"][key]
        }
        for r in records
    }

    def by_ancestor(term: str) -> set[str]:
        wanted = set(term.split(";"))
        return {nct for nct, terms in concepts.items() if terms & wanted}

    queries = []
    for topic in all_topics:
        wanted = relevant[topic["name"]]
        queries.append(("plain", topic["name"].lower(), wanted))
        queries.append(("lay words", topic["lay"], wanted))
        queries.append(("misspellings", topic["typo"], wanted))
        queries.append(("Chinese", topic["chinese"], wanted))
    for q, term in BROADER.items():
        queries.append(("broader", q, by_ancestor(term)))
    for q, term in CHINESE_BROADER.items():
        queries.append(("Chinese", q, by_ancestor(term)))
    return queries


PREVIOUS_SQL = """
WITH t AS (
    SELECT t.id, t.nct_id, t.last_updated,
        setweight(to_tsvector('english', t.brief_title || ' ' || t.search_conditions), 'A')
        || setweight(to_tsvector('english', t.official_title || ' ' || t.keywords::text || ' '
                                            || t.lead_sponsor), 'B') AS ranked,
        to_tsvector('english', t.brief_title || ' ' || t.search_conditions || ' '
                    || t.official_title || ' ' || t.keywords::text || ' ' || t.lead_sponsor
                    || ' ' || t.overview || ' ' || t.description) AS matched
    FROM trials_trial t WHERE t.published
)
SELECT nct_id FROM t WHERE matched @@ websearch_to_tsquery('english', %(q)s)
ORDER BY ts_rank(ranked, websearch_to_tsquery('english', %(q)s)) DESC,
    last_updated DESC NULLS LAST, id
LIMIT 10
"""
PREVIOUS_SUGGESTION_SQL = """
SELECT name, word_similarity(%(q)s, name) AS closeness FROM trials_condition
WHERE %(q)s <%% name AND word_similarity(%(q)s, name) >= 0.5
ORDER BY closeness DESC, name LIMIT 1
"""


def previous_search(q: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(PREVIOUS_SQL, {"q": q})
        found = [row[0] for row in cursor.fetchall()]
        if found or len(q) > 100:
            return found
        cursor.execute(PREVIOUS_SUGGESTION_SQL, {"q": q})
        suggestion = cursor.fetchone()
        if not suggestion or suggestion[1] >= 1.0:
            return []
        cursor.execute(PREVIOUS_SQL, {"q": suggestion[0]})
        return [row[0] for row in cursor.fetchall()]


def new_search(q: str) -> list[str]:
    from trials.search import Criteria, trials_search

    results = trials_search(criteria=Criteria(q=q, status="all"))
    return [trial.nct_id for trial in results.trials[:10]]


def scores(found: list[str], wanted: set[str]) -> tuple[float, float, float]:
    hits = [nct in wanted for nct in found[:10]]
    first = next((rank for rank, hit in enumerate(hits, start=1) if hit), None)
    return (
        float(any(hits)),
        sum(hits) / min(10, len(wanted)),
        1 / first if first else 0.0,
    )


def fill_database(records: list[dict]) -> None:
    from django.core.management import call_command

    from trials.importers import import_studies
    from trials.models import Condition, SearchTerm, Trial

    Trial.objects.all().delete()
    Condition.objects.all().delete()
    SearchTerm.objects.all().delete()
    stream = io.BytesIO("\n".join(json.dumps(r) for r in records).encode())
    summary = import_studies(sources=[("relevance.jsonl", stream)])
    assert summary.created == len(records), summary
    call_command("load_terminology", verbosity=0)
    call_command("load_vocabulary", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="the new search on SQLite")
    parser.add_argument("--json", type=Path, help="write the per-query results here")
    parser.add_argument(
        "--window",
        type=int,
        help="rank only this many candidates (default 1,001): the bounded candidate set at a"
        " registry's scale, where a broad term matches far more trials than the window holds",
    )
    args = parser.parse_args()
    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="relevance_")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if args.sqlite:
        call_command("migrate", verbosity=0)
    if args.window:
        import trials.search

        trials.search.RANK_WINDOW = args.window
        trials.search.COUNT_CAP = args.window - 1
    all_topics = topics()
    records, relevant = registry(all_topics)
    fill_database(records)
    queries = judged_queries(all_topics, relevant, records)
    engines = {"new": new_search}
    if connection.vendor == "postgresql":
        engines = {"previous": previous_search, "new": new_search}
    label = "SQLite" if args.sqlite else "PostgreSQL"
    if args.window:
        label += f", rank window {args.window}"
    totals = {(engine, group): [] for engine in engines for group in GROUPS}
    rows = []
    for group, q, wanted in queries:
        for engine, search in engines.items():
            found = search(q)
            totals[engine, group].append(scores(found, wanted))
            rows.append({"engine": engine, "group": group, "q": q, "hit": scores(found, wanted)})
    print(f"{len(records)} records, {len(queries)} judged queries, {label}\n")
    header = "| group | queries |" + "".join(
        f" {engine} hit@10 | {engine} recall@10 | {engine} MRR |" for engine in engines
    )
    print(header)
    print("|---|---:|" + "---:|---:|---:|" * len(engines))
    for group in GROUPS:
        cells = []
        for engine in engines:
            values = totals[engine, group]
            means = [sum(v[i] for v in values) / len(values) for i in range(3)]
            cells.append(f" {means[0]:.0%} | {means[1]:.0%} | {means[2]:.2f} |")
        print(f"| {group} | {len(totals[next(iter(engines)), group])} |" + "".join(cells))
    missed = [r for r in rows if r["engine"] == "new" and not r["hit"][0]]
    print("\nnew search, no relevant trial in the first 10:", [r["q"] for r in missed] or "none")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
