-- Trigger function of trials_site_countries_added, _updated and _removed
-- (statement triggers on trials_site with transition tables): refreshes
-- site_countries of the trials whose (trial, country) pairs changed. An
-- UPDATE compares old and new pairs (their symmetric difference), so an
-- import of a changed record or an admin edit of a site's phone recomputes
-- nothing, and a site moved to another trial recomputes both. Since
-- migration 0015.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_site_countries_changed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM trials_trial_site_countries_refresh(ARRAY(
            SELECT DISTINCT trial_id FROM new_sites WHERE country <> ''));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM trials_trial_site_countries_refresh(ARRAY(
            SELECT DISTINCT trial_id FROM old_sites WHERE country <> ''));
    ELSE
        -- The trials that gained or lost a (trial, country) pair; a pair
        -- both before and after stays whatever else changed.
        PERFORM trials_trial_site_countries_refresh(ARRAY(
            SELECT DISTINCT changed.trial_id FROM (
                (SELECT trial_id, upper(country) FROM old_sites WHERE country <> ''
                 EXCEPT SELECT trial_id, upper(country) FROM new_sites WHERE country <> '')
                UNION ALL
                (SELECT trial_id, upper(country) FROM new_sites WHERE country <> ''
                 EXCEPT SELECT trial_id, upper(country) FROM old_sites WHERE country <> '')
            ) changed (trial_id, country)));
    END IF;
    RETURN NULL;
END
$function$;
