-- The lexicon's words (trials_searchword) within one edit of a typed word,
-- with how many trials use each and their trigram similarity: the
-- candidates of a spelling correction (trials/spelling.py).
--
-- max_parallel_workers_per_gather = 0: the planner cannot know how few words
-- share a delete and planned a parallel worker, which takes about 8 ms to
-- start, for a 0.1 ms lookup (bench/README.md "Search at 500,000 studies").
-- Since migration 0013.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_words_one_edit(typed text)
 RETURNS TABLE(word text, trials integer, alike real)
 LANGUAGE sql
 STABLE STRICT
 SET max_parallel_workers_per_gather TO '0'
AS $function$
    SELECT w.word, w.trials, similarity(w.word, typed) FROM trials_searchword w
    WHERE trials_word_deletes(w.word) && trials_word_deletes(typed)
$function$;
