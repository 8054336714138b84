"""Search speed at 500,000 studies: walk the newest trials for broad terms.

trials_search_window() (migration 0010) reads every match through the
words' GIN index and keeps the newest: about 1 µs a match, but a broad term
has hundreds of thousands of matches at registry scale ("cancer", any
status: about 250,000). trials_search_walk() reads the newest trials that
meet the other criteria through a date index (migration 0010's, or the
status index of (overall_status, last_updated)) and tests each against the
small, in-line search_rank_vector (title, conditions, keywords, sponsor,
concepts: about 500 bytes, never out of line), at most `rows` of them, and
stops at `size` matches. A broad term fills its window from the first few
thousand rows; a rare one finds too few, and trials/search.py falls back to
trials_search_window(), whose bitmap is small for a rare term. Both give the
same rows: the `size` newest matches.

Correcting a short mistyped word through the lexicon's trigram index read
thousands of candidates at 200,000 words ("hart": 2,665 rows, 22 ms): its
few trigrams are in many words. Every word one edit from another shares
one of its "deletes" (the word with one letter left out, or the word
itself: a swap, a substitution, an insertion or a deletion all meet there),
so a GIN index over each word's deletes finds exactly the words within one
edit in a few index pages at any size of lexicon (trials/understanding.py).
"""

from django.db import migrations

from trials.migrations._postgresql import postgresql_only

FORWARD = r"""
CREATE OR REPLACE FUNCTION trials_search_walk(walk text, size integer)
RETURNS TABLE (id bigint, last_updated date)
LANGUAGE plpgsql
SET enable_seqscan = off SET enable_bitmapscan = off SET jit = off
AS $$
BEGIN
    -- `walk` is `SELECT id, last_updated, <match> FROM ... ORDER BY
    -- last_updated DESC NULLS LAST, id LIMIT rows`: its match is a column,
    -- tested row by row as the walk goes, never a condition the planner could
    -- answer with the GIN index.
    RETURN QUERY EXECUTE format(
        'SELECT w.id, w.last_updated FROM (%s) w (id, last_updated, hit) WHERE w.hit LIMIT %s',
        walk, size);
END
$$;

-- The word and each way of leaving one letter out of it.
CREATE OR REPLACE FUNCTION trials_word_deletes(word text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT array_agg(DISTINCT variant) FROM (
        SELECT word UNION ALL
        SELECT overlay(word PLACING '' FROM i FOR 1) FROM generate_series(1, length(word)) i
    ) deletes (variant)
$$;

CREATE INDEX IF NOT EXISTS trials_searchword_deletes ON trials_searchword
    USING gin (trials_word_deletes(word)) WITH (fastupdate = off);

-- The lexicon's words within one edit of a typed word. No parallel workers:
-- the planner cannot know how few words share a delete, and starting a
-- worker costs about 8 ms, ten times the lookup.
CREATE OR REPLACE FUNCTION trials_words_one_edit(typed text)
RETURNS TABLE (word text, trials integer, alike real)
LANGUAGE sql STABLE STRICT SET max_parallel_workers_per_gather = 0
AS $$
    SELECT w.word, w.trials, similarity(w.word, typed) FROM trials_searchword w
    WHERE trials_word_deletes(w.word) && trials_word_deletes(typed)
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS trials_search_walk(text, integer);
DROP FUNCTION IF EXISTS trials_words_one_edit(text);
DROP INDEX IF EXISTS trials_searchword_deletes;
DROP FUNCTION IF EXISTS trials_word_deletes(text);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0012_languages"),
    ]

    operations = [
        postgresql_only(FORWARD, BACKWARD),
    ]
