-- The pairs of words next to each other in a search vector ("lung cancer",
-- "type 2", "2 diabet"), as its lexemes: what a quoted phrase needs a trial
-- to have. Indexed over search_rank_vector (GIN, migration 0041,
-- trials_trial_phrase_pairs), so that a quoted phrase reads the trials
-- with its words side by side instead of every trial with its words
-- anywhere in the title, conditions, keywords, sponsor or concepts.
--
-- Why: the words' GIN index knows lexemes, not positions, so '"type 2
-- diabetes"' read 15,781 trials at 500,000 studies to find the 2,145 with
-- the phrase, each checked in the table (31 ms of the 37 ms window read);
-- the trials with both pairs are the phrase's trials and a few more.
-- trials/text_match.py phrase_match() asks for the pairs every match of a
-- query must have, and checks the phrase itself on those trials only
-- (bench/README.md, "Quoted phrases through their word pairs").
--
-- Exactly the pairs the phrase operator sees: a trial matching
-- 'a' <-> 'b' has a at some position p and b at p + 1, so it has "a b".
-- Positions are the vector's own: setweight() and || keep and shift them as
-- the phrase operator reads them.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_adjacent_pairs(vector tsvector)
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
AS $function$
    WITH word (lexeme, pos) AS (
        SELECT w.lexeme, p.pos FROM unnest(vector) AS w, unnest(w.positions) AS p (pos)
    )
    SELECT coalesce(array_agg(DISTINCT a.lexeme || ' ' || b.lexeme), '{}')
    FROM word a JOIN word b ON b.pos = a.pos + 1
$function$;
