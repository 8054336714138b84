"""Keeping search's own data: the lexicon of indexed words (SearchWord) and
the shipped vocabulary of patients' words and Chinese names (SearchTerm).

On PostgreSQL an import keeps the lexicon up to date batch by batch: the
words of the batch's trials are counted before and after it is written,
and only the difference is applied (search_words_adjust), so an import of
a few hundred changed studies does not read the 500,000 others. The
lexicon is rebuilt whole after the vocabulary is loaded, and after an
import on SQLite: it is what misspellings are corrected against
(trials/understanding.py), so it holds the words of titles, conditions,
keywords, sponsors and registry concepts, the vocabulary's own words and
the terminology's (trials/terminology.py), those with no trial counted 0.
"""

from __future__ import annotations

import re
from collections import Counter

from django.db import connection, transaction

from trials.models import SearchTerm, SearchWord, TerminologyWord, Trial

WORD_RE = re.compile(r"[a-z]{3,60}")

# One statement on PostgreSQL: each trial's distinct words, counted; then
# only the lexicon's rows that differ are written, so a re-import that
# changes little churns little of the trigram index.
REFRESH_SQL = r"""
WITH counted AS MATERIALIZED (
    SELECT word, count(id)::integer AS trials FROM (
        SELECT DISTINCT t.id, w.word
        FROM trials_trial t
        CROSS JOIN LATERAL regexp_split_to_table(lower(
            t.brief_title || ' ' || t.search_conditions || ' ' || t.concepts || ' '
            || t.lead_sponsor || ' ' || t.keywords::text), '[^a-z]+') AS w (word)
        WHERE t.published AND length(w.word) BETWEEN 3 AND 60
        UNION ALL
        SELECT NULL, w.word
        FROM trials_searchterm s
        CROSS JOIN LATERAL regexp_split_to_table(lower(s.phrase || ' ' || s.meaning), '[^a-z]+')
            AS w (word)
        WHERE length(w.word) BETWEEN 3 AND 60
        UNION ALL
        SELECT NULL, word FROM trials_terminologyword
    ) words
    GROUP BY word
), gone AS (
    DELETE FROM trials_searchword s
    WHERE NOT EXISTS (SELECT 1 FROM counted c WHERE c.word = s.word)
)
INSERT INTO trials_searchword (word, trials) SELECT word, trials FROM counted
ON CONFLICT (word) DO UPDATE SET trials = EXCLUDED.trials
WHERE trials_searchword.trials <> EXCLUDED.trials
"""


# The distinct words of each of these trials, counted per word (the same
# words as REFRESH_SQL reads).
WORDS_OF_SQL = r"""
SELECT word, count(*)::integer FROM (
    SELECT DISTINCT t.id, w.word
    FROM trials_trial t
    CROSS JOIN LATERAL regexp_split_to_table(lower(
        t.brief_title || ' ' || t.search_conditions || ' ' || t.concepts || ' '
        || t.lead_sponsor || ' ' || t.keywords::text), '[^a-z]+') AS w (word)
    WHERE t.id = ANY(%s) AND t.published AND length(w.word) BETWEEN 3 AND 60
) words
GROUP BY word
"""

# A word no trial carries any more goes, unless the vocabulary or the
# terminology uses it.
GONE_SQL = r"""
DELETE FROM trials_searchword s
WHERE s.word = ANY(%s) AND s.trials = 0 AND NOT EXISTS (
    SELECT 1 FROM trials_searchterm t
    WHERE regexp_split_to_array(lower(t.phrase || ' ' || t.meaning), '[^a-z]+')
        @> ARRAY[s.word::text])
    AND NOT EXISTS (SELECT 1 FROM trials_terminologyword w WHERE w.word = s.word)
"""


def search_words_counted(trial_ids: list[int]) -> Counter:
    """PostgreSQL: how many of these (published) trials carry each word."""
    if not trial_ids:
        return Counter()
    with connection.cursor() as cursor:
        cursor.execute(WORDS_OF_SQL, [trial_ids])
        return Counter(dict(cursor.fetchall()))


def search_words_adjust(*, before: Counter, after: Counter) -> None:
    """PostgreSQL: apply to the lexicon what a batch changed, its trials'
    words counted before and after it was written (search_words_counted)."""
    delta = Counter(after)
    delta.subtract(before)
    # Sorted: import writers running at once lock the same rows in one order.
    changes = sorted((word, step) for word, step in delta.items() if step)
    if not changes:
        return
    words = [word for word, _ in changes]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO trials_searchword (word, trials) SELECT unnest(%s::text[]), 0"
            " ON CONFLICT (word) DO NOTHING",
            [[word for word, step in changes if step > 0]],
        )
        cursor.execute(
            "SELECT 1 FROM trials_searchword WHERE word = ANY(%s) ORDER BY word FOR UPDATE",
            [words],
        )
        cursor.execute(
            "UPDATE trials_searchword s SET trials = greatest(0, s.trials + x.step)"
            " FROM unnest(%s::text[], %s::integer[]) AS x (word, step) WHERE s.word = x.word",
            [words, [step for _, step in changes]],
        )
        cursor.execute(GONE_SQL, [[word for word, step in changes if step < 0]])


def search_words_refresh() -> int:
    """Rebuild the lexicon from the published trials and the vocabulary;
    the number of distinct words. Searches see the old lexicon until the
    new one is committed."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(REFRESH_SQL)
        else:
            _write_changes(_counted())
        return SearchWord.objects.count()


def _write_changes(wanted: Counter) -> None:
    """The lexicon made equal to `wanted`, writing only the words that differ:
    most words (the terminology's, counted 0) stay as they are."""
    stored = dict(SearchWord.objects.values_list("word", "trials"))
    gone = [word for word in stored if word not in wanted]
    for start in range(0, len(gone), 500):
        SearchWord.objects.filter(word__in=gone[start : start + 500]).delete()
    SearchWord.objects.bulk_create(
        (SearchWord(word=word, trials=n) for word, n in wanted.items() if word not in stored),
        batch_size=500,
    )
    by_count: dict[int, list[str]] = {}
    for word, n in wanted.items():
        if word in stored and stored[word] != n:
            by_count.setdefault(n, []).append(word)
    for n, words in by_count.items():
        for start in range(0, len(words), 500):
            SearchWord.objects.filter(word__in=words[start : start + 500]).update(trials=n)


def _counted() -> Counter:
    counts: Counter = Counter()
    by_trial: dict[int, list[str]] = {}
    links = Trial.conditions.through.objects.values_list("trial_id", "condition__name")
    for trial_id, name in links:
        by_trial.setdefault(trial_id, []).append(name)
    fields = ("pk", "brief_title", "concepts", "lead_sponsor", "keywords")
    for pk, title, concepts, sponsor, keywords in Trial.objects.published().values_list(*fields):
        words = [title, concepts, sponsor, *map(str, keywords or []), *by_trial.get(pk, [])]
        text = " ".join(words)
        counts.update(set(WORD_RE.findall(text.lower())))
    for phrase, meaning in SearchTerm.objects.values_list("phrase", "meaning"):
        counts.update({word: 0 for word in WORD_RE.findall(f"{phrase} {meaning}".lower())})
    counts.update({word: 0 for word in TerminologyWord.objects.values_list("word", flat=True)})
    return counts


def search_words_add_terminology() -> None:
    """Add the terminology's words to the lexicon, for corrections to reach
    ("shingels" → shingles, a word no trial may use)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO trials_searchword (word, trials)"
                " SELECT word, 0 FROM trials_terminologyword ON CONFLICT (word) DO NOTHING"
            )
    else:
        known = set(SearchWord.objects.values_list("word", flat=True))
        SearchWord.objects.bulk_create(
            (
                SearchWord(word=word, trials=0)
                for word in TerminologyWord.objects.values_list("word", flat=True)
                if word not in known
            ),
            batch_size=5000,
        )


def search_terms_load(*, rows: list[dict]) -> int:
    """Add the shipped vocabulary's rows that are not there yet (staff's
    own rows and edits stay); the number added."""
    known = set(SearchTerm.objects.values_list("phrase", "meaning"))
    new = [
        SearchTerm(phrase=row["phrase"], meaning=row["meaning"], language=row["language"])
        for row in rows
        if (row["phrase"], row["meaning"]) not in known
    ]
    SearchTerm.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
