"""Search speed at registry scale.

trials_search_window() (migration 0006) read a broad term's matches in date
slices, newest first. Measured at 160,000 studies, the planner never ANDs a
common word's GIN index with the date index: it reads the slice's rows by
date and tests each one's search_vector, which lives out of line (TOAST, about
2 kB compressed) and costs 30 to 120 µs a row to fetch and decompress. The
newest 1% of "cancer, any status" took 200 ms, the next 25% five seconds.
Reading every match through the words' GIN index instead visits only the
small heap rows (id, last_updated: no vector is fetched for a query without
a phrase) at about 1 µs a row: "cancer" (10,000 recruiting matches) 24 ms,
"cancer" any status (86,000) 90 ms. So the window is now one bitmap read of
the matches and a top-N sort; it is as exact as before.

JIT is off inside the function: its plans are short and their costs, with
sequential and index scans disabled, are high enough to trigger it for
nothing (hundreds of ms of compilation).

An index on (last_updated DESC, id) over published trials of any status
lets a list without words and without a status ("any status, United States")
walk the newest trials and stop at the page, instead of sorting all of them.
"""

from django.db import migrations

from trials.migrations._postgresql import postgresql_only

FORWARD = r"""
CREATE OR REPLACE FUNCTION trials_search_window(matches text, size integer)
RETURNS TABLE (id bigint, last_updated date)
LANGUAGE plpgsql
SET enable_seqscan = off SET enable_indexscan = off SET jit = off
AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT m.id, m.last_updated FROM (%s) m (id, last_updated) '
        'ORDER BY m.last_updated DESC NULLS LAST, m.id LIMIT %s',
        matches, size);
END
$$;

CREATE INDEX IF NOT EXISTS trials_trial_published_updated
    ON trials_trial (last_updated DESC NULLS LAST, id) WHERE published;
"""

# Migration 0006's function, as it was.
BACKWARD = r"""
DROP INDEX IF EXISTS trials_trial_published_updated;

CREATE OR REPLACE FUNCTION trials_search_window(matches text, size integer)
RETURNS TABLE (id bigint, last_updated date)
LANGUAGE plpgsql
SET enable_seqscan = off SET enable_indexscan = off
AS $$
DECLARE
    plan json;
    bounds date[];
    n integer;
    edges date[] := '{}';
    newer date;
    older date;
    slice text;
    found integer := 0;
    got integer;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || matches INTO plan;
    IF (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float > size * 5 THEN
        SELECT s.histogram_bounds::text::date[] INTO bounds FROM pg_stats s
        WHERE s.schemaname = current_schema() AND s.tablename = 'trials_trial'
            AND s.attname = 'last_updated';
    END IF;
    IF array_length(bounds, 1) >= 20 THEN
        n := array_length(bounds, 1);
        edges := ARRAY[bounds[n - (n - 1) / 100], bounds[n - (n - 1) * 5 / 100],
                       bounds[n - (n - 1) / 4]];
    END IF;
    FOR i IN 1 .. coalesce(array_length(edges, 1), 0) + 1 LOOP
        older := edges[i];
        slice := concat_ws(' AND ',
            CASE WHEN newer IS NOT NULL THEN format('m.last_updated < %L', newer) END,
            CASE WHEN older IS NOT NULL THEN format('m.last_updated >= %L', older) END);
        IF newer IS NOT NULL AND older IS NULL THEN
            slice := format('(%s OR m.last_updated IS NULL)', slice);
        END IF;
        RETURN QUERY EXECUTE format(
            'SELECT m.id, m.last_updated FROM (%s) m (id, last_updated) WHERE %s '
            'ORDER BY m.last_updated DESC NULLS LAST, m.id LIMIT %s',
            matches, coalesce(nullif(slice, ''), 'true'), size - found);
        GET DIAGNOSTICS got = ROW_COUNT;
        found := found + got;
        EXIT WHEN found >= size;
        newer := coalesce(older, newer);
    END LOOP;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0009_search_understanding"),
    ]

    operations = [
        postgresql_only(FORWARD, BACKWARD),
    ]
