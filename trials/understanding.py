"""What a patient's query means, before it is matched (trials/search.py).

In this order:
1. The query is normalised: control characters dropped, full-width forms
   made plain (NFKC), Traditional Chinese made Simplified (OpenCC,
   trials/chinese.py), and bounded in length.
2. An age group the query names ("kids", "my baby", 孩子, 老人:
   trials/age_groups.py) is taken out of the words, unless it is part of a
   phrase the terminology knows ("baby blues", 老年痴呆); the search keeps
   the trials that take that age. It is never a concept.
   British spellings are read as American ("tumour", "paediatric",
   "oesophageal": trials/spelling.py), silently: the same word.
3. Concepts are recognised first. Chinese runs are segmented (jieba with
   THUOCL's medical words and the terminology's Chinese labels); English
   words are read as the longest phrases that staff's vocabulary
   (SearchTerm, on top: local words) or the terminology knows (MeSH entry
   terms, HPO's layperson synonyms and Chinese labels: trials/terminology.py,
   one indexed lookup for every phrase of the query). A concept is searched
   as its registry terms (MeSH descriptors, as derivedSection carries them)
   and its nearest narrower descriptors (its family in the MeSH tree). A
   Chinese name no source lists is read from its parts, an organ and a
   disease head that the dictionaries name (trials/compounds.py: 卵巢癌 is
   ovary + cancer, Ovarian Neoplasms), when they name one descriptor alone.
4. Only then are mistyped words corrected, and only words that are not real
   words (trials/spelling.py: not English, not a terminology word, not in
   the index's lexicon, not part of a concept): "kids" is never "aids".
   The corrected words are understood again, and the page offers the words
   as typed. A real word is never replaced; when nothing matches, its
   nearest indexed word is offered as "Did you mean" (`suggestion`).

The result keeps the words (with their websearch operators: quotes, OR,
minus) and the concepts beside them; the search matches either. Without
the terminology tables (not migrated, not loaded) there are fewer concepts,
never an error: the words are searched as full text.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import Count, Max

from trials import chinese
from trials.age_groups import AgeGroup, han_age_group, latin_age_group
from trials.compounds import compounds
from trials.models import SearchTerm, SearchWord, TerminologySource
from trials.spelling import american_spellings, english_words, is_english, word_corrections
from trials.terminology import (
    ACRONYM,
    CHINESE_SOURCES,
    known_words,
    lookup_safely,
    narrower,
    term_key,
    terms_for,
    word_key,
)

HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Control and format characters (NUL among them) are never part of a search.
UNPRINTABLE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
KEY_STRIP = "\"'“”‘’.,;:!?()[]{}<>*"
MAX_PHRASE_WORDS = 6
MAX_HAN_PHRASE = 12
# Chinese names a disorder with or without its suffix 症 ("disorder"):
# 甲状腺功能减退 is HPO's 甲状腺功能减退症, 焦虑 is 焦虑症. A name of two
# characters or more that no source lists as typed is looked up with it.
DISORDER_SUFFIX = "症"
# Only this much of a query is understood (the form asks for less).
MAX_UNDERSTOOD = 500
MAX_WORDS = 40
# Queries each process remembers having understood, and for how long.
UNDERSTOOD_MAX = 2000
UNDERSTOOD_SECONDS = 300
# A word shorter than this, or one with digits, is never "corrected".
MIN_CORRECTED_LENGTH = 4
# A concept brings at most this many registry terms, and this many of its
# narrower descriptors (its nearest family).
MAX_MEANINGS = 4
MAX_FAMILY = 8
# Words that alone are never a concept, whatever a terminology lists.
NEVER_ALONE = frozenset(
    "a an and are as at be by for from has have help in is it me my no not of on or our so"
    " than that the their them they this to up us was we were what when with you your"
    # MeSH has descriptors named so; alone in a query they only say "ill".
    " disease diseases disorder disorders syndrome condition conditions problem problems"
    " illness".split()
)


def _words_of(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


@dataclass(frozen=True)
class Concept:
    """A phrase of the query that the vocabulary or the terminology knows,
    what it means (registry terms) and its narrower terms (`family`)."""

    phrase: str
    meanings: tuple[str, ...]
    descriptors: tuple[str, ...] = ()
    family: tuple[str, ...] = ()

    @property
    def alternatives(self) -> tuple[str, ...]:
        """What the concept is searched as: its meanings, its family, and a
        patient's English words themselves (registry text uses "heart
        attack" too)."""
        found = (*self.meanings, *self.family)
        if HAN_RE.search(self.phrase):
            return found
        return tuple(dict.fromkeys((self.phrase, *found)))

    @property
    def name(self) -> str:
        """The registry term it stands for ("Vomiting")."""
        return self.meanings[0] if self.meanings else self.phrase

    @property
    def shown(self) -> str:
        """“transient ischemic attack (mini stroke)”, for the results page."""
        # One name per meaning: staff's "transient ischemic attack" and
        # MeSH's "Ischemic Attack, Transient" are the same words.
        seen = {_words_of(self.phrase)}
        others = []
        for meaning in self.meanings:
            if _words_of(meaning) not in seen:
                seen.add(_words_of(meaning))
                others.append(meaning)
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
    # An age group the query names ("kids", "老人": trials/age_groups.py),
    # and its words as typed: whom the trials must take, not a condition.
    age_group: AgeGroup | None = None
    age_words: str = ""

    def __bool__(self) -> bool:
        return bool(self.words.strip() or self.concepts)

    def concepts_only(self) -> Understanding:
        """The same concepts without the other words: what a sentence like
        "my father's hands shake" falls back to."""
        return replace(self, rest="")

    def any_concept(self) -> Understanding:
        """Any one of the concepts, not all of them: the last resort of a
        query whose concepts no trial has together ("pain after surgery")."""
        if len(self.concepts) < 2:
            return self
        merged = Concept(
            phrase=" / ".join(c.phrase for c in self.concepts),
            meanings=tuple(m for c in self.concepts for m in c.meanings),
            descriptors=tuple(d for c in self.concepts for d in c.descriptors),
            family=tuple(f for c in self.concepts for f in c.family),
        )
        return replace(self, words="", rest="", concepts=(merged,))

    @property
    def shown(self) -> str:
        return "; ".join(concept.shown for concept in self.concepts)


def query_normalise(q: str) -> str:
    """The query with unprintable characters removed, full-width forms and
    Traditional characters made plain, and runs of spaces collapsed."""
    q = unicodedata.normalize("NFKC", UNPRINTABLE_RE.sub(" ", q or ""))
    q = HAN_RE.sub(lambda run: chinese.simplified(run.group()), q)
    return " ".join(q.split())


def _key(token: str) -> str:
    """A word as staff's vocabulary compares it: bare, then keyed as the
    terminology keys it (lower case, singular)."""
    return word_key(token.lower().strip(KEY_STRIP))


class _Vocabulary:
    """Staff's SearchTerm rows, per process, reloaded when staff change them;
    and the version of the loaded terminology (the Chinese segmenter is
    rebuilt when either changes)."""

    def __init__(self) -> None:
        self.version: tuple | None = None
        # The loaded terminology's files (their checksums).
        self.terminology: tuple = ()
        self.latin: dict[tuple[str, ...], list[str]] = {}
        self.han: dict[str, list[str]] = {}
        self.words: set[str] = set()
        # Queries understood with this vocabulary (query_understand), newest
        # last: a popular word is looked up in the terminology once, not on
        # every search.
        self.understood: OrderedDict[tuple[str, bool], tuple[float, Understanding]] = OrderedDict()

    def current(self) -> _Vocabulary:
        staff, terminology = _versions()
        version = (*staff, *terminology)
        if version != self.version:
            self._load()
            self.understood.clear()
            self.version = version
            self.terminology = terminology
        return self

    def remembered(self, key: tuple[str, bool], understand: Callable[[], Understanding]):
        """What `understand` gives for this query, as found within the last
        UNDERSTOOD_SECONDS with this vocabulary (corrections are made against
        the words trials carry, which an import changes)."""
        now = time.monotonic()
        found = self.understood.get(key)
        if found is not None and now - found[0] < UNDERSTOOD_SECONDS:
            self.understood.move_to_end(key)
            return found[1]
        understanding = understand()
        self.understood[key] = (now, understanding)
        while len(self.understood) > UNDERSTOOD_MAX:
            self.understood.popitem(last=False)
        return understanding

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

    def chinese_words(self) -> list[str]:
        """Staff's Chinese names and the terminology's Chinese labels: the
        segmenter's own words."""
        from trials.models import TerminologyTerm

        labels = lookup_safely(
            lambda: list(
                TerminologyTerm.objects.filter(source__in=CHINESE_SOURCES)
                .values_list("key", flat=True)
                .distinct()
            ),
            [],
        )
        return [*self.han, *labels]


VOCABULARY = _Vocabulary()


def _versions() -> tuple[tuple, tuple[str, ...]]:
    """Staff's rows' count and latest change, and the loaded terminology
    files' checksums: on PostgreSQL in one query (a search asks on every
    request), staff's alone where the terminology's tables are missing."""
    checksums = TerminologySource.objects.order_by("name").values_list("checksum", flat=True)
    if connection.vendor == "postgresql":
        terms = connection.ops.quote_name(SearchTerm._meta.db_table)
        sources = connection.ops.quote_name(TerminologySource._meta.db_table)

        def both() -> tuple:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT (SELECT count(*) FROM {terms}), (SELECT max(updated_at) FROM {terms}),"
                    f" ARRAY(SELECT checksum FROM {sources} ORDER BY name)"
                )
                return cursor.fetchone()

        found = lookup_safely(both, None)
        if found is not None:
            return tuple(found[:2]), tuple(found[2])
    staff = SearchTerm.objects.aggregate(Count("pk"), Max("updated_at"))
    return tuple(staff.values()), tuple(lookup_safely(lambda: list(checksums), []))


def query_understand(q: str, *, correct: bool = True, ages: bool = True) -> Understanding:
    """What the query means; see the module's docstring. With `ages`, a
    word naming an age group is read as one (trials/age_groups.py)."""
    q = query_normalise(q[:MAX_UNDERSTOOD])
    if not q:
        return Understanding()
    vocabulary = VOCABULARY.current()
    return vocabulary.remembered(
        (q, correct, ages), lambda: _understood(q, vocabulary, correct, ages)
    )


def _without_age_group(q: str, vocabulary: _Vocabulary) -> tuple[str, AgeGroup | None, str]:
    """The query without the first age group it names ("kids with asthma"
    → "with asthma", Child), the group and its words; a query left with
    only little words ("my baby") is left with none. Concepts come first:
    a word of a phrase the terminology knows ("baby blues", 老年痴呆) is
    that phrase's, not an age group."""
    group, words = None, ""
    for run in HAN_RE.findall(q):
        group, words, rest = han_age_group(run)
        if group is not None:
            phrases = [concept.phrase for concept in _han_concepts(run, vocabulary)]
            group, words, rest = han_age_group(run, phrases)
        if group is not None:
            q = q.replace(run, rest, 1)
            break
    if group is None:
        tokens = q.split()
        group, words, rest = latin_age_group(tokens)
        if group is not None:
            _found, _rest, covered = _latin_concepts(tokens, vocabulary)
            group, words, rest = latin_age_group(tokens, covered)
        q = " ".join(rest)
    if group is not None and all(_key(token) in NEVER_ALONE for token in q.split()):
        q = ""
    return " ".join(q.split()), group, words


def _understood(q: str, vocabulary: _Vocabulary, correct: bool, ages: bool = True) -> Understanding:
    typed, age_group, age_words = q, None, ""
    if ages:
        q, age_group, age_words = _without_age_group(q, vocabulary)
    concepts: list[Concept] = []
    for run in HAN_RE.findall(q):
        concepts += _han_concepts(run, vocabulary)
    tokens = _american(HAN_RE.sub(" ", q).split()[:MAX_WORDS], vocabulary)
    found, rest, covered = _latin_concepts(tokens, vocabulary)
    corrected_from = ""
    if correct:
        fixed = _corrected(tokens, covered, vocabulary)
        if fixed != tokens:
            corrected_from, tokens = typed, fixed
            found, rest, covered = _latin_concepts(tokens, vocabulary)
    return Understanding(
        words=" ".join(tokens),
        concepts=tuple(_with_family(found + concepts)),
        rest=" ".join(rest),
        corrected_from=corrected_from,
        age_group=age_group,
        age_words=age_words,
    )


def query_suggestion(q: str) -> str:
    """ "Did you mean": the query with each real word that is part of no
    concept replaced by its nearest indexed word, '' when nothing changes.
    Offered only when the words as typed found nothing; never applied."""
    q = query_normalise(q[:MAX_UNDERSTOOD])
    tokens = HAN_RE.sub(" ", q).split()[:MAX_WORDS]
    if not tokens:
        return ""
    vocabulary = VOCABULARY.current()
    tokens = _american(tokens, vocabulary)
    _found, _rest, covered = _latin_concepts(tokens, vocabulary)
    fixed = _corrected(tokens, covered, vocabulary, real_words_too=True)
    return " ".join(fixed) if fixed != tokens else ""


def anchored_correction(typed: str, suggestion: str) -> Understanding | None:
    """The suggestion read as a correction of the typed words, when it makes
    a phrase the terminology knows that keeps a typed word beside each word
    it changes ("erectile disfunction" → erectile dysfunction: MeSH spells
    one term "Body Image Disfunction", so the word is the terminology's, but
    no trial carries it and it is no English word), and no word it changes
    was part of a concept as typed. None otherwise: an English word is never
    changed ("prostrate cancer" is offered as "Did you mean"), a word alone
    never into a concept ("lids" stays lids, never aids), and a concept
    never into another. For a query whose words as typed found nothing
    (trials/search.py); the page offers the typed words."""
    tokens = query_normalise(typed).split()
    fixed = suggestion.split()
    if len(tokens) != len(fixed) or HAN_RE.search(typed):
        return None
    changed = {
        i for i, (a, b) in enumerate(zip(tokens, fixed, strict=True)) if a.lower() != b.lower()
    }
    if not changed or len(changed) == len(tokens):
        return None
    if any(is_english(tokens[i].lower()) for i in changed):
        return None
    as_typed = query_understand(typed, correct=False, ages=False)
    typed_phrases = {_key(w) for c in as_typed.concepts for w in c.phrase.split()}
    if any(_key(tokens[i]) in typed_phrases for i in changed):
        return None
    corrected = query_understand(suggestion, correct=False, ages=False)
    kept = {_key(tokens[i]) for i in range(len(tokens)) if i not in changed}
    for i in changed:
        word = _key(fixed[i])
        spans = [{_key(w) for w in c.phrase.split()} for c in corrected.concepts]
        if not any(word in span and span & kept for span in spans):
            return None
    return replace(corrected, corrected_from=typed)


def terminology_concept(phrase: str) -> Concept | None:
    """The one concept the terminology alone (MeSH, HPO, Chinese Open
    Wordnet, CC-CEDICT as loaded; not staff's vocabulary) reads the whole
    phrase as, as a query would read it; None when it reads no concept or
    several."""
    q = query_normalise(phrase[:MAX_UNDERSTOOD])
    if HAN_RE.fullmatch(q.replace(" ", "")):
        key = term_key(q)
        rows = terms_for([key]).get(key)
        if rows:
            return _concept(q, rows)
        composed = compounds([key], VOCABULARY.current().terminology).get(key)
        return Concept(q, (composed[1],), (composed[0],)) if composed else None
    empty = _Vocabulary()
    found, rest, _covered = _latin_concepts(_american(q.split()[:MAX_WORDS], empty), empty)
    return found[0] if len(found) == 1 and not rest else None


def terminology_gives(phrase: str, meaning: str) -> Concept | None:
    """The terminology's concept for `phrase` when it is already `meaning`
    (a staff's vocabulary row phrase → meaning adds nothing then): the
    meaning is the concept's name (same words), or a term of the same MeSH
    descriptor ("radiotherapy" → "radiation therapy": MeSH lists both under
    Radiotherapy). None when no source maps the phrase to that meaning
    alone: a narrower meaning ("cirrhosis" → liver cirrhosis, where MeSH
    reads Fibrosis) or one of several the sources give (肾结石 →
    nephrolithiasis, where they also give Kidney Calculi) is staff's local
    knowledge."""
    concept = terminology_concept(phrase)
    if concept is None or len({_words_of(name) for name in concept.meanings}) != 1:
        return None
    if _words_of(meaning) == _words_of(concept.name):
        return concept
    key = term_key(query_normalise(meaning))
    descriptors = {descriptor for _, descriptor, _ in terms_for([key]).get(key, []) if descriptor}
    return concept if descriptors & set(concept.descriptors) else None


def _han_concepts(run: str, vocabulary: _Vocabulary) -> list[Concept]:
    """The concepts of one run of Chinese characters: its segments, and
    longest joins of neighbouring segments, that staff's names or the
    terminology's Chinese labels know; segments no name takes are passed
    over (particles, "my father", words the registry's English cannot hold)."""
    words = chinese.segments(run, vocabulary.version, vocabulary.chinese_words)
    spans = {
        "".join(words[start:end])
        for start in range(len(words))
        for end in range(start + 1, len(words) + 1)
        if len("".join(words[start:end])) <= MAX_HAN_PHRASE
    }
    looked_up = [span for span in spans if span not in vocabulary.han]
    suffixed = {
        span: term_key(span + DISORDER_SUFFIX)
        for span in looked_up
        if len(span) >= 2 and not span.endswith(DISORDER_SUFFIX)
    }
    known = terms_for([term_key(span) for span in looked_up] + list(suffixed.values()))
    # Names read from their parts (结直肠癌: colon and rectum + cancer): what
    # no source lists, and beside what a source reads more narrowly (卵巢癌:
    # HPO's label is epithelial ovarian carcinoma only).
    composed = compounds(
        [span for span in spans if span not in vocabulary.han], vocabulary.terminology
    )
    found, start = [], 0
    while start < len(words):
        for end in range(len(words), start, -1):
            span = "".join(words[start:end])
            if span in vocabulary.han:
                found.append(Concept(span, tuple(vocabulary.han[span])))
            elif term_key(span) in known:
                found.append(_with_parts(_concept(span, known[term_key(span)]), composed.get(span)))
            elif span in composed:
                descriptor, name = composed[span]
                found.append(Concept(span, (name,), (descriptor,)))
            elif suffixed.get(span) in known:
                found.append(_concept(span, known[suffixed[span]]))
            else:
                continue
            start = end
            break
        else:
            start += 1
    return found


def _with_parts(concept: Concept, composed: tuple[str, str] | None) -> Concept:
    """A source's concept with the descriptor its parts name beside it."""
    if composed is None or composed[0] in concept.descriptors:
        return concept
    descriptor, name = composed
    return replace(
        concept,
        meanings=(*concept.meanings[: MAX_MEANINGS - 1], name),
        descriptors=(*concept.descriptors[: MAX_MEANINGS - 1], descriptor),
    )


def _concept(phrase: str, rows: list[tuple[str, str, str]]) -> Concept:
    """A concept from the terminology's rows for one phrase: MeSH
    descriptors first, at most MAX_MEANINGS of them."""
    rows = sorted(rows, key=lambda row: not row[1])
    meanings = list(dict.fromkeys(meaning for meaning, _, _ in rows))[:MAX_MEANINGS]
    descriptors = tuple(dict.fromkeys(d for _, d, _ in rows if d))[:MAX_MEANINGS]
    return Concept(phrase, tuple(meanings), descriptors)


def _operator(token: str) -> bool:
    return token.startswith("-") or '"' in token or token == "OR"


def _american(tokens: list[str], vocabulary: _Vocabulary) -> list[str]:
    """The words with British spellings read as American ("tumour" is
    tumor, "paediatric" pediatric: trials/spelling.py american_spellings),
    silently: the same word, not a correction. Staff's own words and words
    after a minus or in quotes stay as typed."""
    words = {
        token.lower()
        for token in tokens
        if token.isalpha() and not _operator(token) and _key(token) not in vocabulary.words
    }
    american = american_spellings(words, known_words)
    if not american:
        return tokens
    return [american.get(token.lower(), token) if token.isalpha() else token for token in tokens]


def _latin_concepts(
    tokens: list[str], vocabulary: _Vocabulary
) -> tuple[list[Concept], list[str], set[int]]:
    """Longest phrases among the words that staff's vocabulary (first) or the
    terminology knows; the words no concept took; the positions taken. A word
    after a minus, in quotes or an OR is left as typed."""
    keys = ["" if _operator(token) else _key(token) for token in tokens]
    spans = {}
    for start in range(len(tokens)):
        for end in range(start + 1, min(len(tokens), start + MAX_PHRASE_WORDS) + 1):
            if all(keys[start:end]):
                spans[start, end] = term_key(" ".join(tokens[start:end]))
            else:
                break
    acronyms = {
        i: ACRONYM + token.upper()
        for i, token in enumerate(tokens)
        if keys[i]
        and token.isalpha()
        and len(token) >= 2
        # "aids" is AIDS (the lists hold "aid", not "aids"); "all" is not ALL.
        and (token.isupper() or token.lower() not in english_words())
    }
    known = terms_for([*spans.values(), *acronyms.values()])
    found: list[Concept] = []
    rest: list[str] = []
    covered: set[int] = set()
    start = 0
    while start < len(tokens):
        for end in range(min(len(tokens), start + MAX_PHRASE_WORDS), start, -1):
            phrase = " ".join(tokens[start:end])
            key = tuple(keys[start:end])
            if all(key) and key in vocabulary.latin:
                # Staff's words first; the terminology's descriptors beside them.
                concept = Concept(phrase, tuple(vocabulary.latin[key]))
                if spans.get((start, end)) in known:
                    terms = _concept(phrase, known[spans[start, end]])
                    meanings = tuple(dict.fromkeys((*concept.meanings, *terms.meanings)))
                    concept = replace(concept, meanings=meanings, descriptors=terms.descriptors)
            elif end - start == 1 and keys[start] in NEVER_ALONE:
                continue
            elif spans.get((start, end)) in known:
                concept = _concept(phrase, known[spans[start, end]])
            elif end - start == 1 and acronyms.get(start) in known:
                concept = _concept(phrase, known[acronyms[start]])
            else:
                continue
            found.append(concept)
            covered.update(range(start, end))
            start = end
            break
        else:
            rest.append(tokens[start])
            start += 1
    return found, rest, covered


def _with_family(concepts: list[Concept]) -> list[Concept]:
    """Each concept with the nearest of its narrower MeSH descriptors."""
    return [
        replace(concept, family=tuple(narrower(list(concept.descriptors), limit=MAX_FAMILY)))
        if concept.descriptors
        else concept
        for concept in concepts
    ]


def _corrected(
    tokens: list[str], covered: set[int], vocabulary: _Vocabulary, *, real_words_too: bool = False
) -> list[str]:
    """The tokens with each word that is not a real word (nor part of a
    concept) replaced by the closest word the index knows; with
    `real_words_too`, real words that are part of no concept as well."""
    plain = {
        token.lower()
        for i, token in enumerate(tokens)
        if i not in covered
        and token.isalpha()
        and token.isascii()
        and len(token) >= MIN_CORRECTED_LENGTH
        and _key(token) not in vocabulary.words
        and (real_words_too or not is_english(token.lower()))
    }
    if not plain:
        return tokens
    # Words trials carry are no typing mistake; for a suggestion, a word
    # only the terminology has (no trial carries it) finds nothing either.
    indexed = SearchWord.objects.filter(word__in=plain)
    if real_words_too:
        indexed = indexed.filter(trials__gt=0)
    unknown = plain - set(indexed.values_list("word", flat=True))
    if not real_words_too:
        known = known_words({word_key(word) for word in unknown} | unknown)
        unknown = {word for word in unknown if word not in known and word_key(word) not in known}
    candidates = {word: found for word in unknown if (found := word_corrections(word))}
    return _best_fixes(tokens, candidates)


def _best_fixes(tokens: list[str], candidates: dict[str, list[str]]) -> list[str]:
    """Each mistyped word replaced by the nearest indexed word that makes a
    phrase the terminology knows with its neighbours ("chrons disease" is
    Crohn disease, not chronic disease), else by the nearest."""
    fixed = [candidates[t.lower()][0] if t.lower() in candidates else t for t in tokens]
    phrases: dict[tuple[int, str], list[str]] = {}
    for i, token in enumerate(tokens):
        for candidate in candidates.get(token.lower(), []):
            for start in range(max(0, i - 2), i + 1):
                for end in range(i + 1, min(len(tokens), i + 3) + 1):
                    if end - start > 1:
                        words = [*fixed[start:i], candidate, *fixed[i + 1 : end]]
                        phrases.setdefault((i, candidate), []).append(term_key(" ".join(words)))
    known = terms_for([key for keys in phrases.values() for key in keys])
    for i, token in enumerate(tokens):
        for candidate in candidates.get(token.lower(), []):
            if any(key in known for key in phrases.get((i, candidate), [])):
                fixed[i] = candidate
                break
    return fixed
