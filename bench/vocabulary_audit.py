"""Which rows of the shipped hand vocabulary (data/vocabulary.json) stay, and
why (issue 19: "the shipped hand list shrinks to what no source has").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_vocab \\
        .venv/bin/python bench/vocabulary_audit.py [--from main] [--write]

Reads the vocabulary as it is at a git revision (`--from`, default main) and
sorts each row, with the terminology loaded (manage.py load_terminology):

- removed, a source has it: the terminology alone reads the phrase as the
  row's meaning (trials/understanding.py terminology_gives: the same name,
  or a term of the same MeSH descriptor), so the row adds nothing;
- removed, a British spelling ("tumour" → cancer): the search reads it as
  its American spelling (trials/spelling.py), whose row says the same;
- removed, a query of the old relevance bench: bench/relevance_data.py's
  lay, misspelled and Chinese queries written into the vocabulary word for
  word measure the vocabulary, not patients;
- kept: no source maps the phrase to that meaning (staff's local words),
  including the few bench queries in NEEDED, each with its reason.

`--write` writes the kept rows to data/vocabulary.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")
os.environ.setdefault("DEBUG", "1")

VOCABULARY = ROOT / "data/vocabulary.json"
HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
BENCH_DATA = ROOT / "bench/relevance_data.py"

# Queries of the old bench that stay in the vocabulary: everyday names of
# conditions that no source loaded has (neither MeSH's entry terms, nor HPO's
# layperson or Chinese labels, nor Chinese Open Wordnet or CC-CEDICT), and
# that patients write as they are. The old bench's query for each of them
# measures this list, not the search: bench/README.md says so.
NEEDED = {
    "渐冻症": "the everyday Chinese name of ALS; the sources have only 肌萎缩侧索硬化",
    "慢阻肺": "the everyday Chinese short name of COPD (慢性阻塞性肺疾病)",
    "新冠肺炎": "the everyday Chinese name of COVID-19; CC-CEDICT's gloss for it is"
    " not matched to a MeSH descriptor in the shipped file",
    "胶质瘤": "the clinical Chinese name of glioma; no source has it",
    "卵巢癌": "ovarian cancer; HPO's Chinese label names only epithelial ovarian"
    " carcinoma, narrower than what patients and registry records mean",
    "艾滋病": "what Chinese patients call HIV infection; the dictionaries give only"
    " AIDS, its late stage, which trials of HIV infection do not carry",
}


def bench_queries(text: str) -> set[str]:
    """The old bench's lay, misspelled and Chinese queries, read as the
    project's before-stop check reads them (lower case, stripped)."""
    return {
        query.strip().lower()
        for line in text.splitlines()
        if line.count("|") >= 5
        for query in line.split("|")[3:6]
        if query.strip()
    }


def american(phrase: str) -> str:
    """The phrase as the search reads it, British spellings made American
    (trials/spelling.py american_spellings)."""
    from trials.spelling import american_spellings
    from trials.terminology import known_words

    words = phrase.lower().split()
    found = american_spellings(words, known_words)
    return " ".join(found.get(word, word) for word in words)


def row_verdict(row: dict, queries: set[str], rows: set[tuple[str, str]]) -> tuple[bool, str]:
    """(kept, why) for one vocabulary row; `rows` are all the rows' (phrase,
    meaning), lower case."""
    from trials.models import TerminologyTerm
    from trials.terminology import ACRONYM, term_key
    from trials.understanding import query_normalise, terminology_gives

    concept = terminology_gives(row["phrase"], row["meaning"])
    if concept is None and HAN_RE.fullmatch(row["phrase"].replace(" ", "")) is None:
        phrase = american(row["phrase"])
        if phrase != row["phrase"].lower() and (phrase, row["meaning"].lower()) in rows:
            # "tumour" → cancer: the search reads tumour as tumor, whose row stays.
            return False, f"a British spelling, read as its American row ({phrase})"
    if concept is not None:
        phrase = query_normalise(row["phrase"])
        # The phrase as a term, or as an abbreviation ("copd": MeSH's COPD).
        keys = [term_key(phrase), term_key(american(phrase)), ACRONYM + phrase.upper()]
        terms = TerminologyTerm.objects.filter(key__in=keys, descriptor_id__in=concept.descriptors)
        sources = sorted(set(terms.values_list("source", flat=True)))
        labels = dict(TerminologyTerm.Source.choices)
        # No source lists the whole name: it is read from its parts
        # (trials/compounds.py, 结直肠癌: colon and rectum + cancer).
        named = ", ".join(labels.get(s, s) for s in sources) or "its parts, composed"
        if american(phrase) != phrase.lower():
            named += f", read as {american(phrase)}"
        return False, f"a source has it ({named}: {concept.name})"
    phrase = row["phrase"].strip().lower()
    if phrase in queries:
        if phrase in NEEDED:
            return True, f"old bench query, kept: {NEEDED[phrase]}"
        return False, "a query of the old relevance bench, word for word"
    return True, "no source maps the phrase to this meaning"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="revision", default="main")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    from trials.models import TerminologySource

    if not TerminologySource.objects.exists():
        sys.exit("Load the terminology first: manage.py load_terminology")
    rows = json.loads(
        subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{args.revision}:data/vocabulary.json"],
            check=True,
            capture_output=True,
        ).stdout
    )
    queries = bench_queries(BENCH_DATA.read_text(encoding="utf-8"))
    kept, reasons = [], Counter()
    pairs = {(row["phrase"].strip().lower(), row["meaning"].strip().lower()) for row in rows}
    for row in rows:
        keep, why = row_verdict(row, queries, pairs)
        reasons["kept" if keep else "removed", why.split(" (")[0].split(":")[0]] += 1
        print(f"{'kept   ' if keep else 'removed'}  {row['phrase']} → {row['meaning']}: {why}")
        if keep:
            kept.append(row)
    print(f"\n{len(rows)} rows at {args.revision}, {len(kept)} kept")
    for (verdict, why), count in sorted(reasons.items()):
        print(f"  {verdict}: {why}: {count}")
    shared = {r["phrase"].strip().lower() for r in kept} & queries
    print(f"old bench queries still in the vocabulary: {len(shared)} of {len(queries)}")
    if args.write:
        text = ",\n".join(json.dumps(row, ensure_ascii=False) for row in kept)
        VOCABULARY.write_text(f"[\n{text}\n]\n", encoding="utf-8")


if __name__ == "__main__":
    main()
