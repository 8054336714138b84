"""Age groups in a query: "kids with asthma", "my baby", "老人", "孩子哮喘".

A word naming an age group is not a condition: it says whom the trial
must take. Its words come from MeSH's Age Groups (M01.060: Infant, Child,
Adolescent, Aged...) as data/terminology/age-groups.tsv.gz lists them
(English: the descriptors' names, their plurals and WordNet's synonyms of
them, "kids", "elderly") and the CC-CEDICT rows matched to them
(zh-cedict-mesh.tsv.gz, tree letter M: 孩子, 儿童, 宝宝, 老人), both built
by bench/zh_mesh_build.py; each group's ages are MeSH's scope notes'
(Child takes in Child, Preschool: 2 to 12 years). The understanding takes
such a word out of the words searched (trials/understanding.py) and the
search keeps the trials whose ages overlap the group's (trials/search.py);
the results page says so and links to the search without it.

The files are read once per process (a few hundred rows); without them no
word is an age group and the query is searched as typed.
"""

from __future__ import annotations

import csv
import functools
import gzip
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from trials.terminology import DATA_DIR

# At most this many English words make one age group's name ("newborn babies").
MAX_WORDS = 2
# How the results page names each group, in the page's language.
NAMES = {
    "D007231": _("newborns"),
    "D007223": _("babies"),
    "D002675": _("young children"),
    "D002648": _("children"),
    "D000293": _("teenagers"),
    "D055815": _("young adults"),
    "D000328": _("adults"),
    "D008875": _("middle-aged adults"),
    "D000368": _("older adults"),
}


@dataclass(frozen=True)
class AgeGroup:
    """A MeSH age group and the ages it covers, in days (None: no upper bound)."""

    descriptor: str
    minimum_days: int
    maximum_days: int | None

    @property
    def name(self) -> str:
        return str(NAMES.get(self.descriptor, self.descriptor))


def _rows(path: Path):
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as lines:
            yield from csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    except OSError:
        return


@functools.lru_cache(maxsize=2)
def age_words(directory: Path = DATA_DIR) -> tuple[dict[str, AgeGroup], dict[str, AgeGroup]]:
    """(English words, Chinese words) of the age groups."""
    groups: dict[str, AgeGroup] = {}
    english: dict[str, AgeGroup] = {}
    for row in _rows(directory / "age-groups.tsv.gz"):
        high = row["maximum_age_days"]
        group = groups.setdefault(
            row["descriptor_id"],
            AgeGroup(
                row["descriptor_id"], int(row["minimum_age_days"]), int(high) if high else None
            ),
        )
        english[row["word"]] = group
    chinese = {
        row["zh_simplified"]: groups[row["mesh_exact_match"]]
        for row in _rows(directory / "zh-cedict-mesh.tsv.gz")
        if row["mesh_tree_letters"] == "M" and row["mesh_exact_match"] in groups
    }
    return english, chinese


def latin_age_group(
    tokens: list[str], covered: frozenset[int] | set[int] = frozenset()
) -> tuple[AgeGroup | None, str, list[str]]:
    """The first age group the words name, its words as typed, and the
    other words; (None, '', tokens) when there is none. Words at the
    `covered` positions are part of a concept ("baby blues") and name none."""
    english, _chinese = age_words()
    if not english:
        return None, "", tokens
    bare = [token.lower().strip("\"'“”‘’.,;:!?()") for token in tokens]
    for start in range(len(tokens)):
        if tokens[start].startswith("-"):
            continue
        for size in range(MAX_WORDS, 0, -1):
            phrase = " ".join(bare[start : start + size])
            if (
                len(bare[start : start + size]) == size
                and phrase in english
                and not covered.intersection(range(start, start + size))
            ):
                words = tokens[start : start + size]
                return english[phrase], " ".join(words), tokens[:start] + tokens[start + size :]
    return None, "", tokens


def han_age_group(run: str, terms: list[str] = ()) -> tuple[AgeGroup | None, str, str]:
    """The longest age-group word in a run of Chinese characters, and the
    run without it ("孩子哮喘" → Child, 孩子, 哮喘); a word inside one of the
    run's `terms` (老年痴呆, dementia) is part of that term, not an age."""
    _english, chinese = age_words()
    for size in range(min(len(run), max((len(w) for w in chinese), default=0)), 1, -1):
        for start in range(len(run) - size + 1):
            word = run[start : start + size]
            if word in chinese and not any(word in term and word != term for term in terms):
                return chinese[word], word, run[:start] + " " + run[start + size :]
    return None, "", run
