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
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        if "{words}" in self.template:
            return self.template.format(table=table, words="%s"), [self.understanding.words]
        query, params = tsquery(self.understanding)
        return self.template.format(table=table, tsquery=query), params


# A quoted phrase of two or more words; an unclosed quote runs to the end,
# as websearch_to_tsquery reads it.
QUOTED_RE = re.compile(r'"([^"]*)(?:"|$)')
WORD_RE = re.compile(r"\w+")


def quoted_phrase(words: str) -> bool:
    """Whether the query holds a quoted phrase of two or more words."""
    return any(len(WORD_RE.findall(part)) > 1 for part in QUOTED_RE.findall(words))


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
