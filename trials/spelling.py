"""Mistyped words: which words are real, and the nearest indexed word.

A word is a candidate for correction only if it is not a real word: not in
the English word lists of the english-words package (web2 and GCIDE, about
300,000 lower-case words, held once per process: about 25 MB), not a word of
the terminology (trials/terminology.py) nor of the index's lexicon
(SearchWord). "kids" is an English word, so it is never "corrected" to aids.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Callable, Iterable

from django.db import connection

from trials.models import SearchWord

# Candidates read from the lexicon's trigram index (pg_trgm's default
# similarity threshold, 0.3, admits them).
CANDIDATES = 20


@functools.cache
def english_words() -> frozenset[str]:
    from english_words import get_english_words_set

    return frozenset(
        word
        for word in get_english_words_set(["web2", "gcide"], lower=True, alpha=True)
        if word.isascii()
    )


def is_english(word: str) -> bool:
    """Whether a lower-case word is an English word, or one with a plural or
    possessive ending ("kids", "doctor's")."""
    words = english_words()
    word = word.removesuffix("'s").removesuffix("’s")
    return (
        word in words
        or (word.endswith("s") and word[:-1] in words)
        or (word.endswith("es") and word[:-2] in words)
        or (word.endswith("ies") and word[:-3] + "y" in words)
    )


def word_corrections(word: str, limit: int = 5) -> list[str]:
    """The indexed words near a mistyped one, nearest first.

    Candidates come from the lexicon: the words one edit away, else (for a
    longer word) those sharing its trigrams; the fewest edits
    (a swap of two letters is one) win, then the word more trials carry,
    weighed against how alike it is: "diabetis" is diabetes (20,000
    trials), not diabetic (40), though both are one edit away. A word of the
    terminology that no trial carries comes after those trials carry."""
    allowed = 1 if len(word) <= 5 else 2 if len(word) <= 10 else 3
    if connection.vendor == "postgresql":
        # The words one edit away first, through the index of their deletes
        # (migration 0013): a few index pages whatever the size of the
        # lexicon. Only a longer word that has none is looked up by its
        # trigrams, for two or three edits; its trigrams are few words'.
        # All of them, not the CANDIDATES most alike: "cancr" is one edit from
        # many words, and the one most trials carry should win.
        with connection.cursor() as cursor:
            cursor.execute("SELECT word, trials, alike FROM trials_words_one_edit(%s)", [word])
            candidates = cursor.fetchall()
            if allowed > 1 and not any(edit_distance(word, o) <= 1 for o, *_ in candidates):
                # Beside the words that share a delete with it (two edits:
                # "chrons" and "crohns" both lose an "h" to "crons"), which
                # few trigrams may share.
                cursor.execute(
                    "SELECT word, trials, similarity(word, %s) AS alike FROM trials_searchword"
                    " WHERE word %% %s ORDER BY alike DESC, trials DESC LIMIT %s",
                    [word, word, CANDIDATES],
                )
                candidates += cursor.fetchall()
    else:
        # SQLite: the embedded default holds a few thousand words; those of
        # about the same length are compared in Python.
        near = SearchWord.objects.filter(
            word__regex=rf"^.{{{max(1, len(word) - 2)},{len(word) + 2}}}$"
        ).values_list("word", "trials")
        candidates = [
            (other, trials, difflib.SequenceMatcher(None, word, other).ratio())
            for other, trials in near
        ]
    scored = {}
    letters = sorted(word)
    for other, trials, alike in candidates:
        edits = edit_distance(word, other)
        if other != word and edits <= allowed:
            # Among as many edits, the typed letters in another order first
            # ("chrons" is crohns, though more trials say chronic); then a
            # word trials carry before one only the terminology has ("hart"
            # is heart, not HAART).
            scored[other] = (
                -edits,
                sorted(other) == letters,
                trials > 0,
                math.log10(1 + trials) + 3 * alike,
                other,
            )
    return [other for *_, other in sorted(scored.values(), reverse=True)[:limit]]


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbouring letters
    (optimal string alignment) that turn a into b."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


# British spellings --------------------------------------------------------
#
# A patient in Britain, Australia or Hong Kong writes "tumour", "oesophageal",
# "paediatric"; MeSH and most registry records write "tumor", "esophageal",
# "pediatric". These are the same word, so the search reads the American
# spelling silently (no "Search instead for"): each rule below proposes a
# candidate, and a candidate is taken only when it is a word of the
# terminology or of the English word lists. The rules are narrow on purpose:
# "shoe", "does", "poem", "four", "tour", "hour" and "aerobic" match none
# of them or give no word.
BRITISH_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # haemorrhage, anaemia, leukaemia, paediatric, orthopaedic, aetiology;
    # never a final "ae" (vertebrae, algae).
    (re.compile(r"ae(?=[a-z])"), "e"),
    # oesophagus, oedema, oestrogen, foetal, coeliac, diarrhoea, dyspnoea;
    # never a final "oe" nor one letter before the end (shoe, canoe, does,
    # poem) but the "-oea" of diarrhoea.
    (re.compile(r"oe(?=[a-z]{2}|a$)"), "e"),
    # tumour, behaviour, odour, labour, favourite; at least two letters
    # before, so never four, tour, hour, your.
    (re.compile(r"(?<=[a-z]{2})our(?=(s|ed|ing|al|ally|ite|ites|able|ful|less)?$)"), "or"),
    # paralysed, analyse, immunised, hospitalisation.
    (re.compile(r"(?<=[a-z]{2})([iy])s(?=(e|ed|es|ing|ation|ations|er|ers)$)"), r"\1z"),
    # centre, litre, fibre, manoeuvre.
    (re.compile(r"(?<=[a-z]{2})([tbv])re(?=s?$)"), r"\1er"),
    # catalogue, analogue.
    (re.compile(r"(?<=[a-z]{2})ogue(?=s?$)"), "og"),
    # licence, defence, offence.
    (re.compile(r"(?<=[a-z]{2})ence(?=s?$)"), "ense"),
    # travelled, labelled, counselling, modelling.
    (re.compile(r"(?<=[a-z]{2}[ae])ll(?=(ed|ing|er|ers)$)"), "l"),
    # programme.
    (re.compile(r"(?<=[a-z]{3})mme(?=s?$)"), "m"),
    # sulphur, sulphate, sulphonylurea.
    (re.compile(r"^sulph"), "sulf"),
)
BRITISH_MIN_LENGTH = 5
# A candidate only the English lists hold (not the terminology) is taken
# from this length on (see american_spellings).
BRITISH_LISTED_PAIR = 8


def british_candidates(word: str) -> list[str]:
    """The American spellings the rules propose for a lower-case word, all
    rules at once first ("manoeuvre" → "maneuver"), then each alone."""
    if len(word) < BRITISH_MIN_LENGTH or not word.isascii() or not word.isalpha():
        return []
    singles = []
    for pattern, replacement in BRITISH_RULES:
        changed = pattern.sub(replacement, word)
        if changed != word:
            singles.append(changed)
    if not singles:
        return []
    together = word
    for pattern, replacement in BRITISH_RULES:
        together = pattern.sub(replacement, together)
    return list(dict.fromkeys([together, *singles]))


def american_spellings(
    words: Iterable[str], known: Callable[[set[str]], set[str]]
) -> dict[str, str]:
    """For each lower-case word with a British spelling, its American one:
    the first candidate that is a word of the terminology (`known`, one
    lookup for all the words: the terminology's words, plurals keyed as
    `word_key` keys them), or a long word of the English word lists
    ("hospitalized", "haematology"): two long words a rule apart are one
    word spelt two ways, short ones can be two words ("timbre" is no
    timber, "phoenix" no phenix) or a misspelling ("haert" is no hert).
    Words no rule changes, and candidates that are no word, are left out."""
    from trials.terminology import word_key

    candidates = {word: found for word in set(words) if (found := british_candidates(word))}
    if not candidates:
        return {}
    every = {c for found in candidates.values() for c in found}
    terminology = known(every | {word_key(c) for c in every})
    american = {}
    for word, found in candidates.items():
        for candidate in found:
            if (
                candidate in terminology
                or word_key(candidate) in terminology
                or (len(candidate) >= BRITISH_LISTED_PAIR and _is_english_inflected(candidate))
            ):
                american[word] = candidate
                break
    return american


def _is_english_inflected(word: str) -> bool:
    """An English word, or one with an -ed, -d or -ing ending ("hospitalized":
    the lists hold hospitalize)."""
    if is_english(word):
        return True
    stems = [word.removesuffix(end) for end in ("ed", "d", "ing") if word.endswith(end)]
    return any(is_english(stem) or is_english(stem + "e") for stem in stems if len(stem) > 3)
