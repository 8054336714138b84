"""What a patient's query means, before it is matched (trials/search.py).

A query is normalised (control characters dropped, full-width forms and
Traditional characters made plain Simplified), its Chinese runs segmented
by longest match over the Chinese names staff keep (SearchTerm), each
mistyped word corrected against the lexicon of words the index holds
(SearchWord, preferring the correction that more trials carry), and
patients' phrases ("mini stroke", "放疗") recognised as registry concepts.

The result, an Understanding, keeps the words as typed (with their
websearch operators: quotes, OR, minus) and the concepts beside them; the
search matches either. Nothing here grows with the number of trials: the
vocabulary is a few thousand rows held per process, and a correction is one
trigram-index lookup in the lexicon on PostgreSQL.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import Count, Max

from trials.models import SearchTerm, SearchWord

# Characters, as pairs of Traditional and Simplified, that the Chinese names
# in data/vocabulary.json use: enough for a patient typing in Taiwan or Hong
# Kong to find what the Simplified names find.
TRADITIONAL_SIMPLIFIED = (
    "療疗腫肿臟脏腎肾腸肠壓压風风癡痴憂忧鬱郁藥药術术標标頭头頸颈轉转腦脑關关節节"
    "癲癫癇痫氣气結结癥症膽胆甲甲狀状兒儿婦妇產产經经質质鬆松視视網网變变聽听覺觉"
    "體体應应維维護护靜静脈脉動动礙碍慮虑癮瘾醫医細细織织組组軟软衛卫發发復复後后"
    "問问題题過过濕湿瘡疮損损傷伤類类癢痒膚肤聲声齒齿縮缩運运癱瘫瘓痪攝摄宮宫間间"
    "貧贫鐮镰鹽盐營营養养減减絞绞顫颤記记憶忆遺遗瘧疟瀉泻嘔呕臨临試试驗验實实麼么"
    "為为與与個个們们歲岁髮发糖糖塞塞冠冠肺肺癌癌衰衰竭竭滯滞積积線线淋淋巴巴囊囊"
    "病病疾疾灣湾紅红銀银屑屑瘍疡潰溃導导彈弹雜杂準准擴扩議议幹干燒烧熱热灶灶瘓痪"
    "骨骨髓髓腺腺膀膀胱胱胰胰轉转移移靶靶向向免免疫疫劑剂針针灸灸護护區区鄰邻"
)
SIMPLIFIED = str.maketrans(
    {
        TRADITIONAL_SIMPLIFIED[i]: TRADITIONAL_SIMPLIFIED[i + 1]
        for i in range(0, len(TRADITIONAL_SIMPLIFIED), 2)
    }
)
HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Control and format characters (NUL among them) are never part of a search.
UNPRINTABLE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
KEY_STRIP = "\"'“”‘’.,;:!?()[]{}<>*"
MAX_PHRASE_WORDS = 6
MAX_HAN_PHRASE = 12
# A word shorter than this, or one with digits, is never "corrected".
MIN_CORRECTED_LENGTH = 4
# Candidates read from the lexicon's trigram index (pg_trgm's default
# similarity threshold, 0.3, admits them).
CANDIDATES = 20


@dataclass(frozen=True)
class Concept:
    """A phrase of the query the vocabulary knows, and what it means."""

    phrase: str
    meanings: tuple[str, ...]

    @property
    def alternatives(self) -> tuple[str, ...]:
        """What the concept is searched as: its meanings, and a patient's
        English words themselves (registry text uses "heart attack" too)."""
        if HAN_RE.search(self.phrase):
            return self.meanings
        return (self.phrase, *self.meanings)

    @property
    def shown(self) -> str:
        """“transient ischemic attack (mini stroke)”, for the results page."""
        others = [m for m in self.meanings if m.lower() != self.phrase.lower()]
        return f"{' / '.join(others)} ({self.phrase})" if others else self.phrase


@dataclass(frozen=True)
class Understanding:
    """What to search for: the words (corrected), the concepts in them, and
    the words no concept took (`rest`), which must also match when the
    search goes by concept."""

    words: str = ""
    concepts: tuple[Concept, ...] = ()
    rest: str = ""
    corrected_from: str = ""

    def __bool__(self) -> bool:
        return bool(self.words.strip() or self.concepts)

    def concepts_only(self) -> Understanding:
        """The same concepts without the other words: what a sentence like
        "my father's hands shake" falls back to."""
        return replace(self, rest="")

    @property
    def shown(self) -> str:
        return "; ".join(concept.shown for concept in self.concepts)


def query_normalise(q: str) -> str:
    """The query with unprintable characters removed, full-width forms and
    Traditional characters made plain, and runs of spaces collapsed."""
    q = unicodedata.normalize("NFKC", UNPRINTABLE_RE.sub(" ", q or ""))
    return " ".join(q.translate(SIMPLIFIED).split())


def _key(token: str) -> str:
    """A word as the vocabulary compares it: lower case, bare, singular."""
    key = token.lower().replace("’", "'").strip(KEY_STRIP).removesuffix("'s")
    if len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
        key = key[:-1]
    return key


class _Vocabulary:
    """The SearchTerm rows, per process, reloaded when staff change them."""

    def __init__(self) -> None:
        self.version: tuple | None = None
        self.latin: dict[tuple[str, ...], list[str]] = {}
        self.han: dict[str, list[str]] = {}
        self.words: set[str] = set()

    def current(self) -> _Vocabulary:
        version = tuple(SearchTerm.objects.aggregate(Count("pk"), Max("updated_at")).values())
        if version != self.version:
            self._load()
            self.version = version
        return self

    def _load(self) -> None:
        latin: dict[tuple[str, ...], list[str]] = {}
        han: dict[str, list[str]] = {}
        for phrase, meaning in SearchTerm.objects.values_list("phrase", "meaning"):
            phrase = query_normalise(phrase)
            if HAN_RE.fullmatch(phrase.replace(" ", "")):
                han.setdefault(phrase.replace(" ", ""), []).append(meaning)
                continue
            key = tuple(_key(word) for word in phrase.split())
            if key and all(key):
                latin.setdefault(key, []).append(meaning)
        self.latin = {key: list(dict.fromkeys(meanings)) for key, meanings in latin.items()}
        self.han = {name: list(dict.fromkeys(meanings)) for name, meanings in han.items()}
        self.words = {word for key in latin for word in key}


VOCABULARY = _Vocabulary()


def query_understand(q: str, *, correct: bool = True) -> Understanding:
    """What the query means; see the module's docstring."""
    q = query_normalise(q)
    if not q:
        return Understanding()
    vocabulary = VOCABULARY.current()
    concepts: list[Concept] = []
    for run in HAN_RE.findall(q):
        concepts += _han_concepts(run, vocabulary)
    tokens = HAN_RE.sub(" ", q).split()
    corrected_from = ""
    if correct:
        fixed = _corrected(tokens, vocabulary)
        if fixed != tokens:
            corrected_from, tokens = q, fixed
    found, rest = _latin_concepts(tokens, vocabulary)
    return Understanding(
        words=" ".join(tokens),
        concepts=tuple(found + concepts),
        rest=" ".join(rest),
        corrected_from=corrected_from,
    )


def _han_concepts(run: str, vocabulary: _Vocabulary) -> list[Concept]:
    """Longest match, left to right, of the Chinese names in one run of
    Chinese characters; characters no name starts with are passed over
    (particles, "my father", words the registry's English cannot hold)."""
    found, start = [], 0
    while start < len(run):
        for end in range(min(len(run), start + MAX_HAN_PHRASE), start, -1):
            meanings = vocabulary.han.get(run[start:end])
            if meanings:
                found.append(Concept(run[start:end], tuple(meanings)))
                start = end
                break
        else:
            start += 1
    return found


def _latin_concepts(tokens: list[str], vocabulary: _Vocabulary) -> tuple[list[Concept], list[str]]:
    """Longest vocabulary phrases among the words; a word after a minus, in
    quotes or an OR is left as typed."""
    keys = [
        "" if token.startswith("-") or '"' in token or token == "OR" else _key(token)
        for token in tokens
    ]
    found: list[Concept] = []
    rest: list[str] = []
    start = 0
    while start < len(tokens):
        for end in range(min(len(tokens), start + MAX_PHRASE_WORDS), start, -1):
            key = tuple(keys[start:end])
            if all(key) and key in vocabulary.latin:
                phrase = " ".join(tokens[start:end])
                found.append(Concept(phrase, tuple(vocabulary.latin[key])))
                start = end
                break
        else:
            rest.append(tokens[start])
            start += 1
    return found, rest


def _corrected(tokens: list[str], vocabulary: _Vocabulary) -> list[str]:
    """The tokens with each word the index and the vocabulary do not know
    replaced by the closest word the index does know."""
    plain = {
        token.lower()
        for token in tokens
        if token.isalpha()
        and token.isascii()
        and len(token) >= MIN_CORRECTED_LENGTH
        and _key(token) not in vocabulary.words
    }
    if not plain:
        return tokens
    unknown = plain - set(SearchWord.objects.filter(word__in=plain).values_list("word", flat=True))
    fixes = {word: fix for word in unknown if (fix := word_correction(word))}
    return [fixes.get(token.lower(), token) for token in tokens]


def word_correction(word: str) -> str:
    """The indexed word nearest a mistyped one, '' when none is near enough.

    Candidates come from the lexicon: the words one edit away, else (for a
    longer word) those sharing its trigrams; the fewest edits
    (a swap of two letters is one) win, then the word more trials carry,
    weighed against how alike it is: "diabetis" is diabetes (20,000
    trials), not diabetic (40), though both are one edit away."""
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
                cursor.execute(
                    "SELECT word, trials, similarity(word, %s) AS alike FROM trials_searchword"
                    " WHERE word %% %s ORDER BY alike DESC, trials DESC LIMIT %s",
                    [word, word, CANDIDATES],
                )
                candidates = cursor.fetchall()
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
    scored = []
    for other, trials, alike in candidates:
        edits = edit_distance(word, other)
        if other != word and edits <= allowed:
            scored.append((-edits, math.log10(1 + trials) + 3 * alike, other))
    return max(scored)[2] if scored else ""


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
