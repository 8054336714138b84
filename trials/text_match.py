"""Matching what a query means (trials/understanding.py) against trials.

On PostgreSQL, a tsquery on migration 0003's search columns: the words as
typed (websearch syntax) OR, concept by concept, any of the concept's
meanings with the words no concept took. On SQLite the same logic with
icontains over the title, conditions, concepts, keywords, sponsor and
summary.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import Expression

from trials.models import Trial
from trials.understanding import Understanding


def tsquery(understanding: Understanding) -> tuple[str, list[str]]:
    """The tsquery SQL of what a query means, and its parameters: the words
    as typed (websearch syntax: quotes, OR, minus) or, concept by concept,
    any of the concept's meanings together with the words no concept took.

    Each concept's names are one tsquery without the names another name's
    words cover (`any_of`), and plain typed words beside a single concept are
    one more of its names: the same trials match as with every name, and
    the rank weighs only the words that make a trial match (not "site" of
    "Neoplasms by Site")."""
    words = understanding.words.strip()
    if len(understanding.concepts) == 1 and not understanding.rest.strip():
        if words and PLAIN_WORDS_RE.fullmatch(words) and "or" not in words.lower().split():
            # Plain words (no quotes, OR or minus), read as websearch reads
            # them: one more name of the concept.
            return "%s::tsquery", [any_of((words, *understanding.concepts[0].alternatives))]
    parts, params = [], []
    if words:
        parts.append("websearch_to_tsquery('english', %s)")
        params.append(understanding.words)
    if understanding.concepts:
        groups = []
        for concept in understanding.concepts:
            groups.append("%s::tsquery")
            params.append(any_of(concept.alternatives))
        if understanding.rest.strip():
            groups.append("websearch_to_tsquery('english', %s)")
            params.append(understanding.rest)
        parts.append("(" + " && ".join(groups) + ")")
    return "(" + (" || ".join(parts) or "''::tsquery") + ")", params


# Words websearch_to_tsquery reads as plainto_tsquery does: letters, digits
# and spaces only.
PLAIN_WORDS_RE = re.compile(r"[^\W_]+(?: [^\W_]+)*")


@functools.lru_cache(maxsize=4096)
def any_of(alternatives: tuple[str, ...]) -> str:
    """The tsquery, as text, matching any of a concept's names
    (trials/sql/functions/trials_tsquery_any.sql): asked of the database
    once per process and concept, as its stemmer knows the words."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT trials_tsquery_any(%s::text[])::text", [list(alternatives)])
        return cursor.fetchone()[0]


class TextSearch(Expression):
    """SQL on one of migration 0003's search columns of the query's Trial table.

    The columns are not model fields, so they are named through the query's
    own alias: the expression stays right inside subqueries, too. The
    template's {tsquery} is what the query means; {words} its words."""

    def __init__(self, template: str, understanding: Understanding, output_field) -> None:
        super().__init__(output_field=output_field)
        self.template, self.understanding = template, understanding

    def as_sql(self, compiler, connection):
        table = _trial_table(compiler)
        if "{words}" in self.template:
            return self.template.format(table=table, words="%s"), [self.understanding.words]
        query, params = tsquery(self.understanding)
        return self.template.format(table=table, tsquery=query), params


def _trial_table(compiler) -> str:
    """The query's own alias of the Trial table (it may be a subquery's)."""
    return compiler.quote_name_unless_alias(compiler.query.get_initial_alias())


# A quoted phrase of two or more words; an unclosed quote runs to the end,
# as websearch_to_tsquery reads it.
QUOTED_RE = re.compile(r'"([^"]*)(?:"|$)')
WORD_RE = re.compile(r"\w+")


def quoted_phrase(words: str) -> bool:
    """Whether the query holds a quoted phrase of two or more words."""
    return any(len(WORD_RE.findall(part)) > 1 for part in QUOTED_RE.findall(words))


# A tsquery's text, as PostgreSQL writes it: quoted lexemes (a quote
# doubled, a backslash escaped; a suffix of weights or a prefix star), the
# phrase operators, and & | ! ( ).
TSQUERY_TOKEN_RE = re.compile(r"'(?:[^'\\]|''|\\.)*'(?::[*A-D]+)?|<->|<\d+>|[&|!()]")
NEXT_TO = "<->"


@dataclass(frozen=True)
class Required:
    """What every trial a tsquery matches has: pairs of lexemes side by side
    ("lung cancer") and single lexemes (their tsquery text, "'x'")."""

    pairs: tuple[str, ...] = ()
    lexemes: tuple[str, ...] = ()


def required_of(tsquery_text: str) -> Required:
    """Of a tsquery's text, the pairs and lexemes every match has: those of
    its top-level AND's terms that are a plain lexeme or a phrase of plain
    lexemes ('type' <-> '2' <-> 'diabet'). Anything else (an OR at the top,
    a NOT, parentheses, a prefix or weights) requires nothing here: the
    tsquery itself is still checked on every trial read."""
    tokens = TSQUERY_TOKEN_RE.findall(tsquery_text)
    depth, terms, term = 0, [], []
    for token in tokens:
        depth += {"(": 1, ")": -1}.get(token, 0)
        if depth == 0 and token == "|":
            return Required()
        if depth == 0 and token == "&":
            terms.append(term)
            term = []
        else:
            term.append(token)
    terms.append(term)
    pairs, lexemes = [], []
    for term in terms:
        words = term[::2]
        if not words or any(not _plain_lexeme(word) for word in words):
            continue
        operators = term[1::2]
        if any(not (op == NEXT_TO or re.fullmatch(r"<\d+>", op)) for op in operators):
            continue
        if not operators:
            lexemes.append(words[0])
        for first, op, second in zip(words, operators, words[1:], strict=False):
            if op == NEXT_TO:
                pairs.append(f"{_lexeme(first)} {_lexeme(second)}")
    return Required(tuple(dict.fromkeys(pairs)), tuple(dict.fromkeys(lexemes)))


def _plain_lexeme(token: str) -> bool:
    return token.startswith("'") and token.endswith("'") and len(token) > 1


def _lexeme(token: str) -> str:
    return re.sub(r"''|\\(.)", lambda m: m.group(1) or "'", token[1:-1])


@functools.lru_cache(maxsize=4096)
def phrase_required(words: str) -> Required:
    """What every trial the typed words (websearch syntax) match has, as the
    database's parser reads them (asked once per process and words)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT websearch_to_tsquery('english', %s)::text", [words])
        return required_of(cursor.fetchone()[0])


class PhraseSearch(Expression):
    """A quoted phrase's match for reading through the indexes
    (trials/search.py rank_window): the trials with the phrase's word pairs
    side by side (trials/sql/functions/trials_adjacent_pairs.sql, its GIN
    index) and its other plain words (the words' GIN index), then the whole
    tsquery checked on each of those. The check is written so that no index
    takes it (`IS TRUE`): an index that answers a phrase only approximately
    makes PostgreSQL check every condition again on each trial it reads,
    the pairs' function included."""

    def __init__(self, understanding: Understanding, required: Required) -> None:
        super().__init__(output_field=BooleanField())
        self.understanding, self.required = understanding, required

    def as_sql(self, compiler, connection):
        vector = f"{_trial_table(compiler)}.search_rank_vector"
        query, params = tsquery(self.understanding)
        sql = f"trials_adjacent_pairs({vector}) @> %s::text[]"
        params = [list(self.required.pairs), *params]
        if self.required.lexemes:
            sql += f" AND {vector} @@ %s::tsquery"
            params.insert(1, " & ".join(self.required.lexemes))
        return f"({sql} AND ({vector} @@ {query}) IS TRUE)", params


def phrase_match(understanding: Understanding) -> Expression | None:
    """The match to read a quoted phrase's trials through the indexes by
    (PhraseSearch), or None when the query requires no word pair: it
    holds no quoted phrase, or concepts, or an OR."""
    if understanding.concepts or not quoted_phrase(understanding.words):
        return None
    required = phrase_required(understanding.words)
    if not required.pairs:
        return None
    return PhraseSearch(understanding, required)


def in_full_vector(understanding: Understanding) -> bool:
    """Whether the query is matched on the full search_vector (summary and
    description included) or only on search_rank_vector.

    A quoted phrase is matched on the title, conditions, keywords, sponsor
    and registry concepts: checking word positions needs the whole vector,
    which lives out of line (TOAST), and two common words ("radiation
    therapy") are both in tens of thousands of descriptions at registry
    scale, each of which would be fetched and checked. The search form's
    help says so."""
    return not quoted_phrase(understanding.words)


def match_expression(understanding: Understanding, *, ranked: bool = False) -> Expression:
    """PostgreSQL: the condition that a trial matches what the query means,
    on search_rank_vector when `ranked` or for a quoted phrase, else on the
    full search_vector."""
    full = in_full_vector(understanding) and not ranked
    column = "search_vector" if full else "search_rank_vector"
    return TextSearch(f"{{table}}.{column} @@ {{tsquery}}", understanding, BooleanField())


def _word_q(word: str) -> Q:
    by_condition = Trial.conditions.through.objects.filter(condition__name__icontains=word)
    return (
        Q(brief_title__icontains=word)
        | Q(official_title__icontains=word)
        | Q(lead_sponsor__icontains=word)
        | Q(keywords__icontains=word)
        | Q(overview__icontains=word)
        | Q(concepts__icontains=word)
        | Q(pk__in=by_condition.values("trial_id"))
    )


def _words_q(text: str) -> Q:
    """SQLite: every word in a title, a condition, a concept, a keyword, the
    sponsor or the summary; a word after a minus in none of them."""
    found = Q()
    for word in text.split():
        # A registry term's commas ("Ischemic Attack, Transient") are not
        # part of its words.
        word = word.strip("\"',;:()")
        if word.upper() == "OR" or not word.strip("-"):
            continue
        found &= ~_word_q(word[1:]) if word.startswith("-") else _word_q(word)
    return found


def text_filter(trials: QuerySet, understanding: Understanding) -> QuerySet:
    """The trials matching what a query means."""
    if not understanding:
        return trials.none()
    if connection.vendor == "postgresql":
        return trials.filter(match_expression(understanding))
    found = Q(pk__in=[])
    if understanding.words.strip():
        found |= _words_q(understanding.words)
    if understanding.concepts:
        by_concept = _words_q(understanding.rest)
        for concept in understanding.concepts:
            any_meaning = Q(pk__in=[])
            for meaning in concept.alternatives:
                any_meaning |= _words_q(meaning)
            by_concept &= any_meaning
        found |= by_concept
    return trials.filter(found)
