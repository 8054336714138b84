-- Walks the newest trials that meet a search's other criteria and keeps the
-- first `size` that match its words (`walk`: `SELECT id, last_updated,
-- <match> FROM ... ORDER BY last_updated DESC NULLS LAST, id LIMIT rows`).
-- Called by trials/search.py rank_window() (through _walk()) for a broad
-- term, which fills its window from the first few thousand trials at any
-- size of registry; a rare term falls back to trials_search_window().
--
-- The planner settings and why (migration 0013, bench/README.md "Search at
-- 500,000 studies: the window walked"):
-- - enable_seqscan = off, enable_bitmapscan = off: the walk must be an index
--   scan in date order, so that it stops at the LIMIT; a bitmap read would
--   fetch every candidate before sorting them. The match is a column tested
--   row by row (about 2 µs a trial on the in-row search_rank_vector), never
--   a condition the planner could send to the GIN index.
-- - jit = off: as in trials_search_window().
-- When to walk and how far is decided in Python by the constants of
-- trials/search.py (WALK_ROWS = 30 windows; WALK_RATIO 1.5 and 0.3: trials
-- walked for the cost of one match read through the index, 2 µs against
-- 3 µs in the row, 10 µs out of line; PROBE 2 and PROBE_HITS 20: a probe of
-- two windows, trusted from 20 matches; PROBE_SLACK 4), all measured at
-- 500,000 studies in that section. At that size the index read alone cost
-- 200 ms for "cancer, any status" (270,000 matches), growing with the
-- registry, so the walk stays.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_search_walk(walk text, size integer)
 RETURNS TABLE(id bigint, last_updated date)
 LANGUAGE plpgsql
 SET enable_seqscan TO 'off'
 SET enable_bitmapscan TO 'off'
 SET jit TO 'off'
AS $function$
BEGIN
    -- `walk` is `SELECT id, last_updated, <match> FROM ... ORDER BY
    -- last_updated DESC NULLS LAST, id LIMIT rows`: its match is a column,
    -- tested row by row as the walk goes, never a condition the planner could
    -- answer with the GIN index.
    RETURN QUERY EXECUTE format(
        'SELECT w.id, w.last_updated FROM (%s) w (id, last_updated, hit) WHERE w.hit LIMIT %s',
        walk, size);
END
$function$;
