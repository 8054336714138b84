-- The trials near a place that meet the other criteria, nearest first, then
-- newest (`near_sql`: trial id and km of its nearest recruiting site, from the
-- GiST index of site points; `found_sql`: id and last_updated of the trials
-- meeting the criteria). Called by trials/distance.py nearest_window().
--
-- The near trials are collected into arrays on the server (sent to Python
-- and back, 3,000 ids cost more than the join). Then the planner's estimate
-- of the trials meeting the criteria chooses the join: fewer than `ratio`
-- times the near trials (a rare word), they are read first through their
-- indexes and joined; otherwise each near trial is read by id and tested.
-- `ratio` is trials/search.py NEAR_RATIO (1.0: a near trial tested costs about
-- 2 µs, a match read through an index about 3 µs) or NEAR_RATIO_OUT_OF_LINE
-- (4.0: testing words in the out-of-line search_vector costs about 12 µs),
-- measured at 500,000 studies (bench/README.md "Distance at 500,000
-- studies"): "sarcoma near Hangzhou" 47 to 11 ms, "cancer near Boston" 6 ms
-- where reading the 32,000 recruiting cancer trials first takes 60. The
-- planner alone cannot do this: it cannot estimate how many points a box
-- holds (43 guessed, 3,030 found). EXPLAIN inside makes it VOLATILE. Since
-- migration 0016.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_nearest(near_sql text, found_sql text, size integer, ratio double precision)
 RETURNS SETOF bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
    ids bigint[];
    kms float8[];
    plan json;
    join_sql text;
BEGIN
    EXECUTE 'SELECT array_agg(trial_id), array_agg(km) FROM (' || near_sql || ') near (trial_id, km)'
        INTO ids, kms;
    IF ids IS NULL THEN
        RETURN;
    END IF;
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || found_sql INTO plan;
    join_sql := 'SELECT found.id FROM unnest($1, $2) AS near (trial_id, km) '
        'JOIN found ON found.id = near.trial_id '
        'ORDER BY near.km, found.last_updated DESC, found.id LIMIT $3';
    IF (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8 < ratio * cardinality(ids) THEN
        -- Few trials meet the criteria (a rare word) against many near the
        -- place: all of them through their indexes, then joined.
        join_sql := 'WITH found (id, last_updated) AS MATERIALIZED (' || found_sql || ') '
            || join_sql;
    ELSE
        -- Each near trial read by id and tested; planned with the near
        -- trials as values, so the planner knows how many there are.
        join_sql := 'WITH found (id, last_updated) AS NOT MATERIALIZED (' || found_sql || ') '
            || join_sql;
    END IF;
    RETURN QUERY EXECUTE join_sql USING ids, kms, size;
END
$function$;
