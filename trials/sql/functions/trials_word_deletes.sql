-- The word and each way of leaving one letter out of it. Two words within
-- one edit (a swap, a substitution, an insertion, a deletion) share one of
-- these, so the GIN index trials_searchword_deletes over them finds the
-- lexicon's near words in a few index pages at any size of lexicon.
-- IMMUTABLE because that index is built on it. Used by
-- trials_words_one_edit(). Since migration 0013.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_word_deletes(word text)
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
AS $function$
    SELECT array_agg(DISTINCT variant) FROM (
        SELECT word UNION ALL
        SELECT overlay(word PLACING '' FROM i FOR 1) FROM generate_series(1, length(word)) i
    ) deletes (variant)
$function$;
