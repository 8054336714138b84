"""Write data/terminology/wordnet-en-mesh.tsv.gz: English names of diseases
that WordNet 3.0 gives beside a MeSH term ("flu" beside influenza, "kissing
disease" beside mononucleosis, "pinkeye" beside conjunctivitis, "nettle
rash" beside urticaria), each with the MeSH descriptor it names.

WordNet groups the words English speakers use for one meaning (a synset),
everyday and clinical together. A lemma is written out for a descriptor when:

- its synset is a state (noun.state: diseases, disorders, symptoms), and one
  of its other lemmas (the "via" lemma) is a MeSH term of exactly one
  descriptor of the diseases (C) or mental disorders (F03), whose first
  WordNet sense is this synset (so "inflammation" as an emotion names no
  disease);
- this synset is its own first sense too, and a word of one word has no
  other sense at all and is no verb, adjective or adverb ("flush" is a
  verb; "pox" is first syphilis, then smallpox: neither is taken);
- it is not already a MeSH term or an HPO layperson synonym (those sources
  decide what it means), and it is written in lower case, or in capitals
  as an abbreviation ("CVA"), or with a possessive name ("Landry's
  paralysis"): other capitalised names (place and people names, some of
  them slurs of another age) are left out.

Input, from Debian's packages (WordNet 3.0 licence, data/terminology/NOTICE.md):
  apt-get install wordnet-base     # /usr/share/wordnet/{data,index}.{noun,verb,adj,adv}

Usage (idempotent: the same file byte for byte on every run):
  .venv/bin/python bench/wordnet_en_build.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

from zh_mesh_build import (
    DATA,
    index_words,
    norm,
    noun_synsets,
    read_mesh,
    read_wordnet,
    singular,
    write_tsv,
)

WORDNET_FILE = DATA / "wordnet-en-mesh.tsv.gz"
HPO_LAY_FILE = DATA / "hpo-layperson.tsv.gz"
NOUN_STATE = 26
COLUMNS = [
    "en_term",
    "wn30_synset",
    "mesh_exact_match_via",
    "mesh_exact_match",
    "mesh_exact_match_name",
    "mesh_tree_letters",
]


def cased_lemmas(directory: Path) -> dict[str, list[str]]:
    """Each noun synset's lemmas as WordNet writes them ("Lyme disease")."""
    return {offset: lemmas for offset, (_lexfile, lemmas) in noun_synsets(directory).items()}


def tree_letters(numbers: list[str]) -> set[str]:
    return {n[:3] if n.startswith("F") else n[:1] for n in numbers}


def written_plainly(lemma: str) -> bool:
    """Lower case, an abbreviation in capitals, or capitals only on a
    possessive name ("Landry's paralysis")."""
    if lemma.isupper() and " " not in lemma:
        return True
    return all(
        word.islower() or word.endswith("'s") for word in lemma.split(" ") if word[:1].isalpha()
    )


def hpo_lay_terms() -> set[str]:
    import csv
    import gzip

    with gzip.open(HPO_LAY_FILE, "rt", encoding="utf-8", newline="") as lines:
        rows = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        return {norm(row["layperson_term"]) for row in rows}


def rows(directory: Path) -> list[list[str]]:
    names, trees, terms = read_mesh()
    synsets, senses, irregular = read_wordnet(directory)
    cased = cased_lemmas(directory)
    other_parts = (
        index_words(directory / "index.verb")
        | index_words(directory / "index.adj")
        | index_words(directory / "index.adv")
    )
    known = set(terms) | hpo_lay_terms()

    def disease(key: str) -> str | None:
        found = terms.get(key) or terms.get(singular(key, irregular)) or set()
        if len(found) != 1:
            return None
        descriptor = next(iter(found))
        return descriptor if tree_letters(trees[descriptor]) & {"C", "F03"} else None

    out = []
    for offset, (lexfile, lemmas) in synsets.items():
        if lexfile != NOUN_STATE:
            continue
        vias = {
            lemma: disease(lemma)
            for lemma in lemmas
            if disease(lemma) and senses.get(lemma, [None])[0] == offset
        }
        if len(set(vias.values())) != 1:
            continue
        via, descriptor = next(iter(vias.items()))
        for lemma, written in zip(lemmas, cased[offset], strict=True):
            if lemma in known or singular(lemma, irregular) in known or len(lemma) < 3:
                continue
            own = senses.get(lemma, [])
            if not own or own[0] != offset or not written_plainly(written):
                continue
            if " " not in lemma and "-" not in lemma:
                base = singular(lemma, irregular)
                if len(own) > 1 or lemma in other_parts or base in other_parts:
                    continue
            out.append(
                [
                    written,
                    f"{offset}-n",
                    via,
                    descriptor,
                    names[descriptor],
                    "".join(sorted(tree_letters(trees[descriptor]))),
                ]
            )
    out.sort(key=lambda row: (row[0].lower(), row[3]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    args = parser.parse_args()
    found = rows(args.wordnet)
    write_tsv(WORDNET_FILE, COLUMNS, found)
    descriptors = len({row[3] for row in found})
    print(f"{WORDNET_FILE.name}: {len(found)} English names of {descriptors} descriptors")


if __name__ == "__main__":
    main()
