"""Keeping search's own data: the lexicon of indexed words (SearchWord) and
the shipped vocabulary of patients' words and Chinese names (SearchTerm).

The lexicon is rebuilt after an import changes trials, and after the
vocabulary is loaded: it is what misspellings are corrected against
(trials/understanding.py), so it holds the words of titles, conditions,
keywords, sponsors and registry concepts, and the vocabulary's own words.
"""

from __future__ import annotations

import re
from collections import Counter

from django.db import connection, transaction

from trials.models import SearchTerm, SearchWord, Trial

WORD_RE = re.compile(r"[a-z]{3,60}")

# One statement on PostgreSQL: each trial's distinct words, counted; then
# only the lexicon's rows that differ are written, so a re-import that
# changes little churns little of the trigram index.
REFRESH_SQL = r"""
WITH counted AS MATERIALIZED (
    SELECT word, count(*)::integer AS trials FROM (
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


def search_words_refresh() -> int:
    """Rebuild the lexicon from the published trials and the vocabulary;
    the number of distinct words. Searches see the old lexicon until the
    new one is committed."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(REFRESH_SQL)
        else:
            SearchWord.objects.all().delete()
            SearchWord.objects.bulk_create(
                SearchWord(word=word, trials=trials) for word, trials in _counted().items()
            )
        return SearchWord.objects.count()


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
    return counts


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
