-- The `size` most recently updated rows of a search (`matches`: the SQL of
-- `SELECT id, last_updated FROM trials_trial ...` with its values inlined),
-- newest first: the relevance window trials/search.py ranks (rank_window():
-- the read taken when a walk of the newest trials would cost more, i.e. for
-- a rare term).
--
-- The planner settings and why (migration 0010, bench/README.md "Search
-- speed: the rank window in one index read"):
-- - enable_seqscan = off, enable_indexscan = off: only bitmap scans, i.e. every
--   match read through the words' GIN index, visiting only the small heap
--   rows at about 1 µs a match. Left to itself the planner walks the date
--   index and tests each row's search_vector, which lives out of line and
--   costs 30 to 120 µs a row to fetch and decompress: a cost it does not
--   model. "cancer" (10,000 recruiting matches) went from seconds to 24 ms.
-- - jit = off: with those scans disabled the plans' costs are high enough to
--   trigger JIT compilation (hundreds of ms) for queries of a few ms.
-- These stay: a plain index (the GIN and date indexes, no forced plan) is
-- what the function replaced, measured at 160,000 studies.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_search_window(matches text, size integer)
 RETURNS TABLE(id bigint, last_updated date)
 LANGUAGE plpgsql
 SET enable_seqscan TO 'off'
 SET enable_indexscan TO 'off'
 SET jit TO 'off'
AS $function$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT m.id, m.last_updated FROM (%s) m (id, last_updated) '
        'ORDER BY m.last_updated DESC NULLS LAST, m.id LIMIT %s',
        matches, size);
END
$function$;
