"""Keep the search text right when conditions change, on PostgreSQL only.

Migration 0003 refreshes a trial's search_conditions (and so its vectors)
when a trial-condition link is added or removed. Two changes were missed:

- a condition renamed (Condition.name updated, in the admin or by an import
  that corrects a spelling): every trial linked to it is refreshed;
- a trial-condition link updated in place (its trial or condition changed):
  the trials on both sides are refreshed.

An index of the links by condition serves the condition filter.

And trials_search_window(), the rank window of trials/search.py: the
`size` most recently updated rows of a search, read newest date slice first
so that a broad term reads about `size` matching rows and not all of them
(trials/search.py's docstring explains the design).
"""

from django.db import migrations

from trials.migrations._postgresql import postgresql_only

FORWARD = r"""
CREATE FUNCTION trials_trial_search_conditions_refresh(trial_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE trials_trial t SET search_conditions = coalesce((
        SELECT string_agg(c.name, ' ' ORDER BY c.name)
        FROM trials_trial_conditions tc JOIN trials_condition c ON c.id = tc.condition_id
        WHERE tc.trial_id = t.id), '')
    WHERE t.id = ANY(trial_ids);
$$;

CREATE FUNCTION trials_condition_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM trials_trial_search_conditions_refresh(ARRAY(
        SELECT DISTINCT tc.trial_id
        FROM trials_trial_conditions tc
        JOIN new_conditions n ON n.id = tc.condition_id
        JOIN old_conditions o ON o.id = n.id
        WHERE o.name IS DISTINCT FROM n.name));
    RETURN NULL;
END
$$;

-- Transition tables cannot go with a column list (UPDATE OF name), so the
-- function compares old and new names itself.
CREATE TRIGGER trials_condition_renamed
    AFTER UPDATE ON trials_condition
    REFERENCING OLD TABLE AS old_conditions NEW TABLE AS new_conditions
    FOR EACH STATEMENT EXECUTE FUNCTION trials_condition_renamed();

CREATE FUNCTION trials_trial_conditions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM trials_trial_search_conditions_refresh(ARRAY(
        SELECT trial_id FROM old_links UNION SELECT trial_id FROM new_links));
    RETURN NULL;
END
$$;

CREATE TRIGGER trials_trial_conditions_changed
    AFTER UPDATE ON trials_trial_conditions
    REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION trials_trial_conditions_changed();

-- `matches` is the SQL of a search, `SELECT id, last_updated FROM trials_trial ...`
-- with its values inlined. Index scans and sequential scans are off inside
-- this function only: a walk of the date index that tests each row's
-- out-of-line search_vector costs about 10 times a bitmap read, which the
-- planner does not know, so every slice is read with bitmap scans (the words'
-- GIN index ANDed with the last_updated index).
-- The condition filter reads trial ids by condition without visiting rows.
CREATE INDEX trials_trial_conditions_by_condition
    ON trials_trial_conditions (condition_id, trial_id);

CREATE FUNCTION trials_search_window(matches text, size integer)
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
    -- Few matches: read them all at once.
    IF (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float > size * 5 THEN
        SELECT s.histogram_bounds::text::date[] INTO bounds FROM pg_stats s
        WHERE s.schemaname = current_schema() AND s.tablename = 'trials_trial'
            AND s.attname = 'last_updated';
    END IF;
    IF array_length(bounds, 1) >= 20 THEN
        -- The newest 1%, 5% and 25% of trials by last update (the histogram's
        -- buckets hold equal numbers of rows); stale statistics cost time only.
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

BACKWARD = r"""
DROP FUNCTION IF EXISTS trials_search_window(text, integer);
DROP INDEX IF EXISTS trials_trial_conditions_by_condition;
DROP TRIGGER IF EXISTS trials_trial_conditions_changed ON trials_trial_conditions;
DROP FUNCTION IF EXISTS trials_trial_conditions_changed();
DROP TRIGGER IF EXISTS trials_condition_renamed ON trials_condition;
DROP FUNCTION IF EXISTS trials_condition_renamed();
DROP FUNCTION IF EXISTS trials_trial_search_conditions_refresh(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0005_features"),
    ]

    operations = [postgresql_only(FORWARD, BACKWARD)]
