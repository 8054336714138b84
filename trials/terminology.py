"""Medical terminology from named sources, in the database (data/terminology/
and its NOTICE.md say where each file comes from and under which licence).

`terminology_load` reads the shipped files into indexed tables
(trials/models/terminology.py): MeSH 2024 descriptors with their tree numbers,
their entry terms, HPO's layperson synonyms and Simplified Chinese labels
(mapped to MeSH where the source gives an exact match). Each file's checksum
is kept: loading again skips a file that has not changed, and each file is
replaced in one transaction, so a search sees the old rows or the new.

The lookups below are what trials/understanding.py asks per query: the terms
whose key is one of the query's phrases, the words that are real words, a
concept's narrower descriptors. Each is one indexed query; none holds the
tables in a web worker's memory. A missing or half-loaded table gives fewer
concepts, never an error (`lookup_safely`).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Length

from trials.models import (
    MeshDescriptor,
    MeshTreeNumber,
    TerminologySource,
    TerminologyTerm,
    TerminologyWord,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

DATA_DIR = Path(settings.BASE_DIR) / "data/terminology"
MESH_VERSION = "MeSH 2024"
HPO_VERSION = "HPO 2025-01-16"
# The descriptors at the top of MeSH's disease and mental-disorder categories
# carry no tree number in the shipped file (it lists only numbers with a dot
# below a category); without them "cancer" (Neoplasms) would have no family.
CATEGORY_HEADS = {
    "C01": "Infections",
    "C04": "Neoplasms",
    "C05": "Musculoskeletal Diseases",
    "C06": "Digestive System Diseases",
    "C07": "Stomatognathic Diseases",
    "C08": "Respiratory Tract Diseases",
    "C09": "Otorhinolaryngologic Diseases",
    "C10": "Nervous System Diseases",
    "C11": "Eye Diseases",
    "C12": "Urogenital Diseases",
    "C14": "Cardiovascular Diseases",
    "C15": "Hemic and Lymphatic Diseases",
    "C16": "Congenital, Hereditary, and Neonatal Diseases and Abnormalities",
    "C17": "Skin and Connective Tissue Diseases",
    "C18": "Nutritional and Metabolic Diseases",
    "C19": "Endocrine System Diseases",
    "C20": "Immune System Diseases",
    "C21": "Disorders of Environmental Origin",
    "C23": "Pathological Conditions, Signs and Symptoms",
    "C24": "Occupational Diseases",
    "C25": "Chemically-Induced Disorders",
    "C26": "Wounds and Injuries",
    "F03": "Mental Disorders",
}
# Abbreviations and acronyms (MeSH's ABB and ACR tags): their keys are marked,
# and a query's word matches one only typed in capitals, or when it is not an
# English word ("ALL" is a leukaemia, "all" is not).
ACRONYM = "^"
ACRONYM_TAGS = {"ABB", "ACR"}
HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
NOT_WORD_RE = re.compile(r"[^\w\u3400-\u4dbf\u4e00-\u9fff]+")
MAX_KEY = 200
WORD_RE = re.compile(r"\b[a-z]{3,60}\b")
BATCH = 5000


# Words whose plural adds "es" ("flash", "abscess", "sinus"): both forms
# are keyed with the "e" ("flashe"), so that the singular a patient types
# meets the plural a registry writes (MeSH's "Hot Flashes").
ES_PLURAL_ENDINGS = ("sh", "ch", "x", "z", "ss", "us")
# Part of each file's checksum: a change to how keys are made loads every
# file again.
KEY_VERSION = "2"


def word_key(word: str) -> str:
    """A word as terms and queries are compared: lower case, no possessive,
    singular ("sores" → "sore", "crohn's" → "crohn", "flashes" and "flash"
    → "flashe")."""
    word = word.lower().replace("’", "'").removesuffix("'s").replace("'", "")
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 3 and word.endswith(ES_PLURAL_ENDINGS):
        word += "e"
    return word


def term_key(text: str) -> str:
    """A phrase as terms and queries are compared: NFKC, words keyed, Chinese
    without spaces. "Crohn's Disease" and "crohns disease" differ (a
    misspelling), "Cold Sores" and "cold sore" do not."""
    text = unicodedata.normalize("NFKC", text)
    if HAN_RE.search(text):
        return NOT_WORD_RE.sub("", text)[:MAX_KEY]
    words = [word_key(w) for w in NOT_WORD_RE.sub(" ", text.replace("'", "")).split()]
    return " ".join(w for w in words if w)


def lookup_safely(lookup: Callable[[], T], empty: T) -> T:
    """A terminology lookup that gives `empty` when the tables are missing
    (migration not applied) or unreadable. Inside a transaction it runs in a
    savepoint, so that the transaction goes on; a request outside one (pages
    run in autocommit) needs none, and saves the savepoint's two round trips
    on each lookup."""
    try:
        if not connection.in_atomic_block:
            return lookup()
        with transaction.atomic():
            return lookup()
    except DatabaseError:
        log.warning("terminology tables unreadable: searching without them", exc_info=True)
        return empty


# Sources that name a Chinese word's own meaning (HPO's labels, CC-CEDICT's
# glosses); Chinese Open Wordnet's words translate a synset and are looser
# (it lists 乙肝 under hepatitis delta, 心力衰竭 under heart attack too).
CHINESE_NAMED = {"hpo-zh", "cedict"}


def _named_first(rows: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str]]:
    """A key's (meaning, descriptor, term) rows; where HPO or CC-CEDICT name
    the word, a Chinese Open Wordnet row for another descriptor is left out."""
    named = {descriptor for _, descriptor, _, source in rows if source in CHINESE_NAMED}
    return [
        (meaning, descriptor, term)
        for meaning, descriptor, term, source in rows
        if not named or source != "cow-zh" or descriptor in named
    ]


def terms_for(keys: list[str]) -> dict[str, list[tuple[str, str, str]]]:
    """For each key that is a term: (meaning, descriptor id, term) rows."""
    if not keys:
        return {}

    def lookup() -> dict[str, list[tuple[str, str, str]]]:
        by_key: dict[str, list[tuple[str, str, str, str]]] = {}
        rows = TerminologyTerm.objects.filter(key__in=keys).values_list(
            "key", "meaning", "descriptor_id", "term", "source"
        )
        for key, meaning, descriptor, term, source in rows:
            by_key.setdefault(key, []).append((meaning, descriptor, term, source))
        return {key: _named_first(found) for key, found in by_key.items()}

    return lookup_safely(lookup, {})


def known_words(words: set[str]) -> set[str]:
    """Those of these (lower-case) words that some term uses."""
    if not words:
        return set()
    return lookup_safely(
        lambda: set(TerminologyWord.objects.filter(word__in=words).values_list("word", flat=True)),
        set(),
    )


def narrower(descriptor_ids: list[str], *, limit: int) -> list[str]:
    """The names of the descriptors below these in the MeSH tree, nearest
    first (fewest levels down), at most `limit`: two indexed queries."""
    if not descriptor_ids:
        return []

    def lookup() -> list[str]:
        numbers = MeshTreeNumber.objects.filter(descriptor__descriptor_id__in=descriptor_ids)
        below = Q(pk__in=[])
        for number in numbers.values_list("number", flat=True)[:20]:
            below |= Q(number__startswith=number + ".")
        rows = (
            MeshTreeNumber.objects.filter(below)
            .order_by(Length("number"), "number")
            .values_list("descriptor__name", flat=True)[: limit * 3]
        )
        return list(dict.fromkeys(rows))[:limit]

    return lookup_safely(lookup, [])


def broader(descriptor_id: str) -> str:
    """The name of the descriptor just above this one in the MeSH tree
    (its first place), '' at the top or without the tables."""

    def lookup() -> str:
        numbers = MeshTreeNumber.objects.filter(descriptor__descriptor_id=descriptor_id)
        number = numbers.order_by("number").values_list("number", flat=True).first()
        if not number:
            return ""
        parent = number.rpartition(".")[0] or ""
        above = MeshTreeNumber.objects.filter(number=parent).values_list(
            "descriptor__name", flat=True
        )
        return above.first() or ""

    return lookup_safely(lookup, "")


def chinese_labels(descriptor_ids: list[str]) -> dict[str, str]:
    """HPO's Simplified Chinese label of each of these MeSH descriptors."""
    if not descriptor_ids:
        return {}

    def lookup() -> dict[str, str]:
        rows = TerminologyTerm.objects.filter(
            source=TerminologyTerm.Source.HPO_ZH, descriptor_id__in=descriptor_ids
        ).order_by("pk")
        labels: dict[str, str] = {}
        for descriptor, term in rows.values_list("descriptor_id", "term"):
            labels.setdefault(descriptor, term)
        return labels

    return lookup_safely(lookup, {})


# Loading ------------------------------------------------------------------


def _rows(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as lines:
        yield from csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)


def _checksum(path: Path) -> str:
    """The file's, and the version of how its keys are made."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update(f"keys {KEY_VERSION}".encode())
    return digest.hexdigest()


TERM_FIELDS = ("key", "term", "meaning", "descriptor_id", "source")


def _insert(model, fields: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Rows written by COPY (PostgreSQL) or executemany: several times faster
    than bulk_create's model instances for 200,000 short rows."""
    rows = list(rows)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f) for f in fields)
    if connection.vendor == "postgresql":
        # COPY: the rows streamed in one statement.
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return len(rows)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    return len(rows)


def _term(key: str, term: str, meaning: str, descriptor: str, source: str) -> tuple | None:
    if not key or len(key) > MAX_KEY or len(term) > 250:
        return None
    return (key, term, meaning[:250], descriptor, source)


def _mesh_descriptors(path: Path) -> int:
    MeshDescriptor.objects.all().delete()
    heads = {name: code for code, name in CATEGORY_HEADS.items()}
    descriptors, numbers = [], []
    for row in _rows(path):
        descriptors.append(
            MeshDescriptor(descriptor_id=row["descriptor_id"], name=row["descriptor_name"])
        )
        tree = [n for n in row["tree_numbers"].split(";") if n]
        if row["descriptor_name"] in heads:
            tree.append(heads[row["descriptor_name"]])
        numbers += [(row["descriptor_id"], n) for n in tree]
    MeshDescriptor.objects.bulk_create(descriptors, batch_size=BATCH)
    ids = dict(MeshDescriptor.objects.values_list("descriptor_id", "pk"))
    _insert(MeshTreeNumber, ("descriptor_id", "number"), ((ids[d], n) for d, n in numbers))
    return len(descriptors)


def _mesh_terms(path: Path) -> Iterator[tuple]:
    for row in _rows(path):
        term = row["entry_term"]
        if row["lexical_tag"] in ACRONYM_TAGS:
            key = ACRONYM + unicodedata.normalize("NFKC", term).upper()
        else:
            key = term_key(term)
        found = _term(key, term, row["descriptor_name"], row["descriptor_id"], "mesh")
        if found:
            yield found


def _hpo_terms(path: Path, column: str, source: str) -> Iterator[tuple]:
    names = dict(MeshDescriptor.objects.values_list("descriptor_id", "name"))
    english = "hpo_name" if column == "layperson_term" else "hpo_name_en"
    for row in _rows(path):
        descriptor = row["mesh_exact_match"].split(";")[0]
        meaning = names.get(descriptor) or row[english]
        found = _term(
            term_key(row[column]),
            row[column],
            meaning,
            descriptor if descriptor in names else "",
            source,
        )
        if found:
            yield found


# The sources whose words are Chinese.
CHINESE_SOURCES = ("hpo-zh", "cow-zh", "cedict")
# The word's column in each dictionary file; WordNet's English names of
# diseases beside a MeSH term ("pinkeye") are written by
# bench/wordnet_en_build.py.
DICTIONARY_COLUMNS = {"cow-zh": "zh_term", "cedict": "zh_simplified", "wn-en": "en_term"}


def _dictionary_terms(path: Path, column: str, source: str) -> Iterator[tuple]:
    """A dictionary's words that name a MeSH concept: only rows the file
    matched exactly to a descriptor of the shipped MeSH (diseases, mental
    disorders, drugs, procedures). A Chinese word has two characters or
    more, so that no single character (病, 痛) stands for a disease; an
    English abbreviation in capitals ("CVA") is keyed as MeSH's are, read
    only as typed. Rows of an age group (tree letter M: 孩子, 老人) are never
    a concept: they say whom a trial takes (trials/age_groups.py)."""
    names = dict(MeshDescriptor.objects.values_list("descriptor_id", "name"))
    chinese = source in CHINESE_SOURCES
    for row in _rows(path):
        descriptor = row["mesh_exact_match"].split(";")[0]
        term = row[column].strip()
        if descriptor not in names or (chinese and len(HAN_RE.findall(term)) < 2):
            continue
        if row.get("mesh_tree_letters") == "M":
            continue
        if not chinese and term.isupper() and " " not in term:
            key = ACRONYM + unicodedata.normalize("NFKC", term)
        else:
            key = term_key(term)
        found = _term(key, term, names[descriptor], descriptor, source)
        if found:
            yield found


def _words() -> int:
    """Rebuild the words of every term, as written ("shingles"): words a
    patient types correctly, and what a mistyped word is corrected to."""
    words: set[str] = set()
    for term in TerminologyTerm.objects.values_list("term", flat=True).iterator():
        words.update(WORD_RE.findall(term.lower()))
    TerminologyWord.objects.all().delete()
    _insert(TerminologyWord, ("word",), ((w,) for w in sorted(words)))
    return len(words)


# (source name, file, version, how its rows are loaded); in this order: the
# HPO files name MeSH descriptors.
SOURCES = [
    ("mesh-descriptors", "mesh-descriptors.tsv.gz", MESH_VERSION, None),
    ("mesh-entry-terms", "mesh-entry-terms.tsv.gz", MESH_VERSION, "mesh"),
    ("hpo-layperson", "hpo-layperson.tsv.gz", HPO_VERSION, "hpo-lay"),
    ("hpo-zh", "hpo-zh.tsv.gz", HPO_VERSION, "hpo-zh"),
    # Everyday Chinese names of diseases (丙肝, 克罗恩病, 自闭症), each matched
    # to the MeSH descriptor of its English word; CC-CEDICT's rows stay in a
    # file of their own (CC BY-SA 4.0, data/terminology/NOTICE.md).
    ("cow-zh", "zh-cow-mesh.tsv.gz", "COW f75be19, WordNet 3.0", "cow-zh"),
    ("cedict-zh", "zh-cedict-mesh.tsv.gz", "CC-CEDICT 2023-11-07", "cedict"),
    # Everyday English names WordNet gives beside a MeSH term ("flu").
    ("wordnet-en", "wordnet-en-mesh.tsv.gz", "WordNet 3.0", "wn-en"),
    # Read by the Chinese segmenter from the file itself (trials/chinese.py);
    # its checksum is kept so the load says which list is in use.
    ("thuocl-medical", "thuocl-medical.txt.gz", "THUOCL a30ce79", "file"),
]


def terminology_load(*, directory: Path = DATA_DIR, force: bool = False) -> list[str]:
    """Load each changed source file; what was loaded ("hpo-zh: 18,988 rows")."""
    done = []
    changed_terms = False
    for name, filename, version, kind in SOURCES:
        path = directory / filename
        checksum = _checksum(path)
        known = TerminologySource.objects.filter(name=name, checksum=checksum).exists()
        if known and not force:
            continue
        with transaction.atomic():
            if kind is None:
                rows = _mesh_descriptors(path)
            elif kind == "file":
                rows = sum(1 for _ in gzip.open(path, "rt", encoding="utf-8"))
            else:
                TerminologyTerm.objects.filter(source=kind).delete()
                if kind == "mesh":
                    terms = _mesh_terms(path)
                elif kind in DICTIONARY_COLUMNS:
                    terms = _dictionary_terms(path, DICTIONARY_COLUMNS[kind], kind)
                else:
                    column = "layperson_term" if kind == "hpo-lay" else "hpo_name_zh"
                    terms = _hpo_terms(path, column, kind)
                rows = _insert(TerminologyTerm, TERM_FIELDS, terms)
                changed_terms = True
            TerminologySource.objects.update_or_create(
                name=name, defaults={"version": version, "checksum": checksum, "rows": rows}
            )
        done.append(f"{name}: {rows:,} rows ({version})")
    if changed_terms:
        from trials.lexicon import search_words_add_terminology

        with transaction.atomic():
            done.append(f"words: {_words():,}")
            search_words_add_terminology()
    if done and connection.vendor == "postgresql":
        # The planner's statistics of the tables just filled: without them
        # it guesses thousands of rows for a query's few keys and reads the
        # whole table (200,000 terms, 20 to 40 ms) instead of their index.
        with connection.cursor() as cursor:
            for model in (TerminologyTerm, TerminologyWord, MeshDescriptor, MeshTreeNumber):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return done
