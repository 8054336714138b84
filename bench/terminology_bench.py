"""Search terminology (issue 19): the judged set of bench/judged_queries/ on
main's search and this branch's, in one run, on the same records.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder_terms \\
        .venv/bin/python bench/terminology_bench.py [--split held-out] [--json out.json]
    .venv/bin/python bench/terminology_bench.py --sqlite     # this branch only, on SQLite

The database is emptied and filled with the records of
bench/judged_queries/topics.tsv (six trials a condition, ClinicalTrials.gov
API v2 shape, derivedSection meshes and ancestors read from MeSH 2024's tree
numbers, as the registry computes them; two trials of another condition that
mention it only in their exclusion criteria; 150 unrelated studies).

"main" is the search of the `main` branch: its trials/ and trialfinder/
packages are exported (git archive) and run in a child process against the
same database, with main's shipped vocabulary loaded. "new" is this
worktree's search with its vocabulary and the terminology loaded.

A query's relevant trials are those whose MeSH terms or ancestors include one
of its judged descriptors (`@children`: the trials of conditions studied in
children); a query judged `-` counts only for whether it was rewritten.
"rewritten" is the share of queries whose words the search replaced (a
correction applied): for the everyday group that must be 0.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench/judged_queries"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")
os.environ.setdefault("DEBUG", "1")

from bench import relevance_bench  # noqa: E402

GROUPS = ("plain", "lay words", "broader", "misspellings", "Chinese", "everyday")
TRIALS_PER_TOPIC = 6
UNRELATED = 150
TITLES = [
    "{drug} for {name}",
    "A Phase 2 Study of {drug} in Participants With {name}",
    "Long-term Outcomes of {name} After {drug}",
    "Efficacy and Safety of {drug} Compared With Placebo in {name}",
    "{drug} in a Randomized Trial, Cohort {index}",
    "Registry of Patients With {name}",
]
CHILD_TITLES = [
    "{drug} for Children With {name}",
    "A Study of {drug} in Pediatric Participants With {name}",
    "{name} in Children and Adolescents: {drug}",
    "{drug} Versus Usual Care in Kids With {name}",
    "{drug} in a Randomized Trial, Cohort {index}",
    "Registry of Children With {name}",
]
DRUGS = [
    "dupilumab", "a digital therapeutic", "low-dose naltrexone", "ketamine", "probiotics",
    "physical therapy", "mindfulness training", "a nurse-led telephone programme",
    "tirzepatide", "extended-release metformin", "laser therapy", "an oral vaccine",
]  # fmt: skip
# Descriptors at the top of a MeSH category have no tree number in the
# shipped file: the category letters stand for them (trials/terminology.py).
CATEGORY_FILE = ROOT / "data/terminology/mesh-descriptors.tsv.gz"


def mesh_tree() -> tuple[dict[str, list[str]], dict[str, str]]:
    from trials.terminology import CATEGORY_HEADS

    trees, by_tree = {}, {}
    with gzip.open(CATEGORY_FILE, "rt", encoding="utf-8") as rows:
        for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
            numbers = [n for n in row["tree_numbers"].split(";") if n]
            numbers += [
                code for code, name in CATEGORY_HEADS.items() if name == row["descriptor_name"]
            ]
            trees[row["descriptor_name"]] = numbers
            for number in numbers:
                by_tree[number] = row["descriptor_name"]
    return trees, by_tree


def ancestors_of(meshes: list[str], trees: dict, by_tree: dict) -> list[str]:
    found = []
    for name in meshes:
        for number in trees[name]:
            parts = number.split(".")
            for end in range(len(parts) - 1, 0, -1):
                found.append(by_tree.get(".".join(parts[:end]), ""))
            found.append(by_tree.get(parts[0][:3], ""))
    return [name for name in dict.fromkeys(found) if name and name not in meshes]


def record(number: int, *args, **text) -> dict:
    """A registry-shaped record, as the relevance bench writes them
    (NCT61000001 on: apart from its numbers)."""
    return relevance_bench.record(11_000_000 + number, *args, **text)


def corpus() -> tuple[list[dict], dict[str, set[str]], set[str]]:
    """The records; the NCT numbers by each MeSH term or ancestor they carry;
    the NCT numbers of trials in children."""
    trees, by_tree = mesh_tree()
    topics = []
    for line in (HERE / "topics.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, meshes, who = line.split("\t")
            topics.append((name, meshes.split(";"), who))
    rng = random.Random(19)
    records, by_term, children = [], defaultdict(set), set()

    def add(rec: dict, terms: list[str], child: bool) -> None:
        nct = rec["protocolSection"]["identificationModule"]["nctId"]
        # Ages as the registry gives records them: studies in children take
        # any age to 17 years, the others adults (healthy volunteers to 65).
        ages = (None, "17 Years") if child else ("18 Years", None if terms else "65 Years")
        eligibility = rec["protocolSection"]["eligibilityModule"]
        for field, age in zip(("minimumAge", "maximumAge"), ages, strict=True):
            if age:
                eligibility[field] = age
        records.append(rec)
        for term in terms:
            by_term[term].add(nct)
        if child:
            children.add(nct)

    for name, meshes, who in topics:
        ancestors = ancestors_of(meshes, trees, by_tree)
        titles = CHILD_TITLES if who == "children" else TITLES
        for index in range(TRIALS_PER_TOPIC):
            drug = rng.choice(DRUGS)
            title = titles[index].format(drug=drug, name=name, index=index)
            title = title[0].upper() + title[1:]
            rec = record(len(records) + 1, title, [name], meshes, ancestors)
            add(rec, meshes + ancestors, who == "children")
    for position, (name, _, _) in enumerate(topics):
        other, meshes, who = topics[(position + 11) % len(topics)]
        ancestors = ancestors_of(meshes, trees, by_tree)
        rec = record(
            len(records) + 1,
            f"{rng.choice(DRUGS).capitalize()} for {other}",
            [other],
            meshes,
            ancestors,
            description=f"People who also have {name.lower()} cannot take part.",
            eligibility=f"Exclusion Criteria:\n* {name}\n* pregnancy",
        )
        add(rec, meshes + ancestors, who == "children")
    for _ in range(UNRELATED):
        number = len(records) + 1
        add(
            record(number, f"Sleep and Exercise in Healthy Adults {number}", ["Healthy"], [], []),
            [],
            False,
        )
    return records, by_term, children


def judged(by_term: dict, children: set) -> list[dict]:
    queries = []
    with open(HERE / "queries.tsv", encoding="utf-8") as rows:
        for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["relevant"] == "-":
                wanted = None
            elif row["relevant"] == "@children":
                wanted = set(children)
            else:
                wanted = set().union(
                    *(by_term.get(term, set()) for term in row["relevant"].split(";"))
                )
                assert wanted, f"no trial carries {row['relevant']}"
            queries.append({**row, "wanted": wanted})
    return queries


def fill_database(records: list[dict], vocabulary: list[dict]) -> None:
    from trials.importers import import_studies
    from trials.lexicon import search_terms_load, search_words_refresh
    from trials.models import Condition, SearchTerm, Trial

    Trial.objects.all().delete()
    Condition.objects.all().delete()
    SearchTerm.objects.all().delete()
    stream = io.BytesIO("\n".join(json.dumps(r) for r in records).encode())
    summary = import_studies(sources=[("judged.jsonl", stream)])
    assert summary.created == len(records), summary
    search_terms_load(rows=vocabulary)
    search_words_refresh()


def search(queries: list[str]) -> list[dict]:
    """Each query's first 10 NCT numbers and whether its words were replaced,
    by whichever trials/search.py is on the path."""
    from trials.search import Criteria, trials_search

    answers = []
    for q in queries:
        results = trials_search(criteria=Criteria(q=q, status="all"))
        answers.append(
            {
                "found": [t.nct_id for t in results.trials[:10]],
                "rewritten": bool(results.corrected_from),
            }
        )
    return answers


def main_search(queries: list[str]) -> list[dict]:
    """main's search, its code exported from git, in a child process."""
    with tempfile.TemporaryDirectory(prefix="main_search_") as tree:
        archive = subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "archive",
                "main",
                "trials",
                "trialfinder",
                "templates",
                # The terminology files and THUOCL's word list the segmenter reads.
                "data",
                "manage.py",
            ],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        code = (
            "import json, sys, django; django.setup()\n"
            "from trials.search import Criteria, trials_search\n"
            "answers = []\n"
            "for q in json.load(sys.stdin):\n"
            "    r = trials_search(criteria=Criteria(q=q, status='all'))\n"
            "    answers.append({'found': [t.nct_id for t in r.trials[:10]],"
            " 'rewritten': bool(r.corrected_from)})\n"
            "print(json.dumps(answers))\n"
        )
        env = {**os.environ, "PYTHONPATH": tree}
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=tree,
            env=env,
            input=json.dumps(queries),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


def scores(found: list[str], wanted: set[str] | None) -> tuple[float, float] | None:
    if wanted is None:
        return None
    hits = [nct in wanted for nct in found[:10]]
    return float(any(hits)), sum(hits) / min(10, len(wanted))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="this branch's search on SQLite")
    parser.add_argument("--split", default="held-out", choices=["held-out", "tuning", "all"])
    parser.add_argument("--json", type=Path, help="write the per-query answers here")
    args = parser.parse_args()
    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="terms_")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    records, by_term, children = corpus()
    queries = [q for q in judged(by_term, children) if args.split in ("all", q["split"])]
    texts = [q["query"] for q in queries]
    engines: dict[str, list[dict]] = {}
    # Both searches with the terminology loaded (main has it too): on a fresh
    # database main would otherwise be measured without it.
    call_command("load_terminology", verbosity=0)
    if not args.sqlite:
        main_vocabulary = subprocess.run(
            ["git", "-C", str(ROOT), "show", "main:data/vocabulary.json"],
            check=True,
            capture_output=True,
        ).stdout
        fill_database(records, json.loads(main_vocabulary))
        engines["main"] = main_search(texts)
    fill_database(records, json.loads((ROOT / "data/vocabulary.json").read_text(encoding="utf-8")))
    engines["new"] = search(texts)

    print(
        f"{len(records)} records, {len(queries)} judged queries ({args.split}),",
        "SQLite" if args.sqlite else "PostgreSQL",
        "\n",
    )
    header = "| group | queries |" + "".join(
        f" {e} hit@10 | {e} recall@10 | {e} rewritten |" for e in engines
    )
    print(header)
    print("|---|---:|" + "---:|---:|---:|" * len(engines))
    for group in GROUPS:
        indexes = [i for i, q in enumerate(queries) if q["group"] == group]
        cells = []
        for answers in engines.values():
            judged_scores = [
                s for i in indexes if (s := scores(answers[i]["found"], queries[i]["wanted"]))
            ]
            hit = sum(s[0] for s in judged_scores) / max(1, len(judged_scores))
            recall = sum(s[1] for s in judged_scores) / max(1, len(judged_scores))
            rewritten = sum(answers[i]["rewritten"] for i in indexes)
            cells.append(f" {hit:.0%} | {recall:.0%} | {rewritten}/{len(indexes)} |")
        print(f"| {group} | {len(indexes)} |" + "".join(cells))
    missed = [
        q["query"]
        for q, answer in zip(queries, engines["new"], strict=True)
        if (s := scores(answer["found"], q["wanted"])) is not None and not s[0]
    ]
    print("\nnew search, no relevant trial in the first 10:", missed or "none")
    rewritten = [q["query"] for q, a in zip(queries, engines["new"], strict=True) if a["rewritten"]]
    print("new search, rewritten:", rewritten or "none")
    if "main" in engines:
        print(
            "main, rewritten:",
            [q["query"] for q, a in zip(queries, engines["main"], strict=True) if a["rewritten"]],
        )
    if args.json:
        rows = [
            {"query": q["query"], "group": q["group"], **{e: engines[e][i] for e in engines}}
            for i, q in enumerate(queries)
        ]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
