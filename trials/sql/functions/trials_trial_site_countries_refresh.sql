-- Recomputes site_countries (the distinct upper-cased countries of a trial's
-- sites, sorted by code point) for these trials; the country filter of
-- trials/search.py reads it (`site_countries @> ARRAY[UPPER(...)]`).
--
-- The trials are locked first, in id order, so that two transactions changing
-- sites of one trial never compute its set without the other's sites. A row
-- is written only when its set changes (IS DISTINCT FROM): a write is not a
-- HOT update and touches every index of the trial. The UPDATE names only
-- site_countries, so the search-vector trigger does not run. Called by
-- trials_site_countries_changed(). Since migration 0015.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_trial_site_countries_refresh(trial_ids bigint[])
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF coalesce(cardinality(trial_ids), 0) = 0 THEN
        RETURN;
    END IF;
    -- Lock first: the UPDATE below then reads the sites as committed once
    -- any other transaction changing these trials has finished.
    PERFORM 1 FROM trials_trial WHERE id = ANY(trial_ids) ORDER BY id FOR NO KEY UPDATE;
    UPDATE trials_trial t SET site_countries = n.countries
    FROM (
        SELECT u.id, ARRAY(
            SELECT DISTINCT upper(s.country) COLLATE "C" FROM trials_site s
            WHERE s.trial_id = u.id AND s.country <> '' ORDER BY 1) AS countries
        FROM unnest(trial_ids) u (id)
    ) n
    WHERE t.id = n.id AND t.site_countries IS DISTINCT FROM n.countries;
END
$function$;
