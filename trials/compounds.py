"""Chinese names of diseases that no source lists, read from their parts.

Chinese names a disease by composition: an organ and a head, 卵巢 (ovary)
+ 癌 (cancer) is ovarian cancer, 胃 (stomach) + 炎 (inflammation) is
gastritis, 肾 (kidney) + 结石 (stone) a kidney stone. The dictionaries
(CC-CEDICT, Chinese Open Wordnet, HPO's Chinese labels) name the parts far
more often than the compounds. So a Chinese word that no source maps is
split into a body part the dictionaries match to a MeSH anatomy descriptor
and a disease head they match to a MeSH disease (or, in Chinese Open
Wordnet, file under illness), and the parts' English words are combined as
MeSH and HPO's layperson synonyms write compounds ("ovary cancer", "cancer
of ovary", "stomach inflammation"), then, only if those make no term, with
the organ's regular adjectives ("prostatic hyperplasia"). The word is read
as that concept only when every combination that is a term names one and
the same descriptor.

Two organs sharing a last character are one coordinated name: 结直肠 is
结肠 (colon) and 直肠 (rectum); 结直肠癌 is read as the descriptor just
above both colon cancer and rectal cancer in the MeSH tree (colorectal
neoplasms), when there is one.

The parts are read once per process from the shipped dictionary files
(data/terminology/, about 2,000 rows); each query's compounds cost one
indexed lookup of all their combinations (trials/terminology.py terms_for),
plus one of the MeSH tree for a coordinated name. Without the files or the
tables nothing is composed.
"""

from __future__ import annotations

import csv
import functools
import gzip
import re
from collections.abc import Iterator
from pathlib import Path

from trials.terminology import DATA_DIR, lookup_safely, term_key, terms_for

# Shorter parts than this are not split further; compounds longer than
# this are not composed (a sentence is segmented first).
MAX_COMPOUND = 8
# How a body part and a disease word combine into a term, as MeSH's entry
# terms ("Ovary Cancer", "Cancer of Ovary", "Kidney Stone") and HPO's
# layperson synonyms ("Stomach inflammation") write them.
PATTERNS = ("{part} {head}", "{head} of {part}", "{head} of the {part}")
# Regular endings of English adjectives of organs: (the noun's ending, the
# adjective's endings in its place).
ADJECTIVE_ENDINGS = (
    ("", ("ic", "al", "ar")),  # colon: colonic; spine: spinal (below)
    ("e", ("ic", "al", "ine")),  # prostate: prostatic
    ("y", ("ian", "ic", "al")),  # ovary: ovarian
    ("um", ("al", "ic")),  # rectum: rectal; duodenum
    ("us", ("eal", "al", "ine", "ic")),  # esophagus: esophageal; uterus: uterine
    ("x", ("cal", "geal")),  # cervix: cervical; pharynx: pharyngeal
    ("s", ("tic",)),  # pancreas: pancreatic
    ("a", ("al", "ar")),  # vagina: vaginal; retina
)
# Chinese Open Wordnet's roots for words naming an illness.
ILLNESS_ROOTS = {"disease", "illness", "ill health", "symptom", "injury"}
GLOSS_RE = re.compile(r"^[a-z][a-z '\-]{1,40}$")


def _rows(path: Path) -> Iterator[dict]:
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as lines:
            yield from csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    except OSError:
        return


def _glosses(text: str) -> list[str]:
    """CC-CEDICT's glosses as plain lower-case English ("colon (large
    intestine)" → "colon")."""
    found = []
    for gloss in re.split(r"[/;]", text):
        gloss = re.sub(r"\([^)]*\)|\[[^]]*\]", "", gloss).strip().lower()
        if GLOSS_RE.match(gloss):
            found.append(gloss)
    return found


@functools.lru_cache(maxsize=2)
def parts(
    version: object = None, directory: Path = DATA_DIR
) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(body parts, disease heads): each Chinese word with the English
    words the dictionaries give it. A body part is a word a dictionary
    matched to a MeSH anatomy descriptor (tree letter A); a head one it
    matched to a disease or mental disorder (C, F), or that Chinese Open
    Wordnet files under illness. CC-CEDICT's other glosses of a head are
    kept only where they are terms themselves (癌: cancer). Read again
    when `version` (the loaded terminology's) changes."""
    body: dict[str, set[str]] = {}
    heads: dict[str, set[str]] = {}
    maybe: dict[str, set[str]] = {}
    for row in _rows(directory / "zh-cedict-mesh.tsv.gz"):
        word, letters = row["zh_simplified"].strip(), set(row["mesh_tree_letters"].split(";"))
        matched = {row["mesh_exact_match_via"].lower(), row["mesh_exact_match_name"].lower()} - {""}
        if "A" in letters:
            body.setdefault(word, set()).update(matched)
        if letters & {"C", "F"}:
            heads.setdefault(word, set()).update(matched)
            maybe.setdefault(word, set()).update(_glosses(row["cedict_glosses"]))
    for row in _rows(directory / "zh-cow-mesh.tsv.gz"):
        word, letters = row["zh_term"].strip(), set(row["mesh_tree_letters"].split(";"))
        lemmas = {
            lemma.lower() for lemma in row["en_lemmas"].split(";") if GLOSS_RE.match(lemma.lower())
        }
        lemmas.add(row["mesh_exact_match_name"].lower())
        lemmas.discard("")
        if "A" in letters and row["wn_lexname"] == "noun.body":
            body.setdefault(word, set()).update(lemmas)
        if letters & {"C", "F"} or row["medical_root"] in ILLNESS_ROOTS:
            heads.setdefault(word, set()).update(lemmas)
    for row in _rows(directory / "hpo-zh.tsv.gz"):
        if row["mesh_exact_match"]:
            names = {row["hpo_name_en"].lower(), row["mesh_exact_match_via"].lower()} - {""}
            heads.setdefault(row["hpo_name_zh"].strip(), set()).update(names)
    if maybe:
        glosses = {term_key(g) for found in maybe.values() for g in found}
        terms = terms_for(sorted(glosses))
        for word, found in maybe.items():
            heads[word].update(g for g in found if term_key(g) in terms)
    return (
        {word: frozenset(names) for word, names in body.items() if names},
        {word: frozenset(names) for word, names in heads.items() if names},
    )


def _splits(word: str, body: dict, heads: dict) -> list[tuple[str, str]]:
    """Each (body part, head) the word is, in that order."""
    return [
        (word[:i], word[i:]) for i in range(1, len(word)) if word[:i] in body and word[i:] in heads
    ]


def _coordinated(word: str, body: dict, heads: dict) -> list[tuple[str, str, str]]:
    """(first organ, second organ, head) where the word is two organs that
    share their last character, then a head: 结直肠癌 is 结(肠) + 直肠 + 癌."""
    found = []
    for i in range(3, len(word)):
        organs, head = word[:i], word[i:]
        if head not in heads:
            continue
        for j in range(1, len(organs) - 1):
            first, second = organs[:j] + organs[-1], organs[j:]
            if first in body and second in body and first != second:
                found.append((first, second, head))
    return found


@functools.lru_cache(maxsize=2)
def latin_adjectives(directory: Path = DATA_DIR) -> dict[str, frozenset[str]]:
    """The Latin or Greek adjectives of organs that MeSH's own terms use
    (liver: hepatic, kidney: renal, heart: cardiac; bench/zh_mesh_build.py
    derives them from descriptors such as Liver Neoplasms, entry term
    Hepatic Neoplasms): data/terminology/mesh-organ-adjectives.tsv.gz."""
    found: dict[str, set[str]] = {}
    for row in _rows(directory / "mesh-organ-adjectives.tsv.gz"):
        found.setdefault(row["organ"], set()).add(row["adjective"])
    return {organ: frozenset(words) for organ, words in found.items()}


def adjectives(noun: str) -> set[str]:
    """English adjectives a one-word organ name may have: those MeSH's
    terms use (liver: hepatic) and the regular endings ("prostate" →
    prostatic, "ovary" → ovarian, "rectum" → rectal, "pancreas" →
    pancreatic, "esophagus" → esophageal); most of the latter are no word,
    and only a term that they make counts."""
    if " " in noun or len(noun) < 4:
        return set(latin_adjectives().get(noun, ()))
    found = set(latin_adjectives().get(noun, ()))
    for ending, replacements in ADJECTIVE_ENDINGS:
        if noun.endswith(ending):
            stem = noun[: len(noun) - len(ending)] if ending else noun
            found.update(stem + replacement for replacement in replacements)
    return found - {noun}


def _combinations(part: str, head: str, body: dict, heads: dict) -> list[set[str]]:
    """The keys of the terms the parts may make: the organ's own names
    first, then its adjectives (only when its names make no term)."""
    nouns = body[part]
    tiers = [nouns, {adjective for noun in nouns for adjective in adjectives(noun)}]
    return [
        {
            term_key(pattern.format(part=name, head=head_name))
            for name in names
            for head_name in heads[head]
            for pattern in PATTERNS
        }
        for names in tiers
    ]


def _one_descriptor(tiers: list[set[str]], known: dict) -> tuple[str, str] | None:
    """The one MeSH descriptor (id, name) that the terms among these keys
    name, tier by tier; None when they name none or several."""
    for keys in tiers:
        found = {
            (descriptor, meaning)
            for key in keys
            for meaning, descriptor, _ in known.get(key, [])
            if descriptor
        }
        if found:
            return found.pop() if len(found) == 1 else None
    return None


def compounds(words: list[str], version: object = None) -> dict[str, tuple[str, str]]:
    """For each of these Chinese words that is a body part and a disease
    head, the MeSH descriptor (id, name) the combinations of their English
    words name, alone; `version` is the loaded terminology's."""
    body, heads = parts(version)
    if not body or not heads:
        return {}
    plain: dict[str, list[set[str]]] = {}
    paired: dict[str, list[tuple[list[set[str]], list[set[str]]]]] = {}
    for word in dict.fromkeys(words):
        if len(word) > MAX_COMPOUND:
            continue
        for part, head in _splits(word, body, heads):
            tiers = plain.setdefault(word, [set(), set()])
            for tier, keys in zip(tiers, _combinations(part, head, body, heads), strict=True):
                tier.update(keys)
        if word not in plain:
            for first, second, head in _coordinated(word, body, heads):
                paired.setdefault(word, []).append(
                    (
                        _combinations(first, head, body, heads),
                        _combinations(second, head, body, heads),
                    )
                )
    every = {
        key
        for tiers in [*plain.values(), *(a + b for pairs in paired.values() for a, b in pairs)]
        for keys in tiers
        for key in keys
    }
    if not every:
        return {}
    known = terms_for(sorted(every))
    found = {word: one for word, tiers in plain.items() if (one := _one_descriptor(tiers, known))}
    for word, pairs in paired.items():
        parents = set()
        for first_tiers, second_tiers in pairs:
            first = _one_descriptor(first_tiers, known)
            second = _one_descriptor(second_tiers, known)
            if first and second and first != second:
                parents.add(_common_parent(first[0], second[0]))
        parents.discard(None)
        if len(parents) == 1:
            found[word] = parents.pop()
    return found


def _common_parent(first: str, second: str) -> tuple[str, str] | None:
    """The descriptor just above both of these in the MeSH tree (colorectal
    neoplasms above colonic and rectal neoplasms), None when they share no
    direct parent or share several."""
    from trials.models import MeshTreeNumber

    def lookup() -> tuple[str, str] | None:
        numbers = MeshTreeNumber.objects.filter(descriptor__descriptor_id__in=[first, second])
        parents: dict[str, set[str]] = {}
        for descriptor, number in numbers.values_list("descriptor__descriptor_id", "number"):
            if "." in number:
                parents.setdefault(descriptor, set()).add(number.rpartition(".")[0])
        shared = parents.get(first, set()) & parents.get(second, set())
        above = set(
            MeshTreeNumber.objects.filter(number__in=shared).values_list(
                "descriptor__descriptor_id", "descriptor__name"
            )
        )
        return above.pop() if len(above) == 1 else None

    return lookup_safely(lookup, None)
