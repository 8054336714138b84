-- Trigger function of trials_trial_conditions_changed: a trial-condition link
-- updated in place (its trial or its condition changed) refreshes the trials
-- on both sides, through trials_trial_search_conditions_refresh(). Since
-- migration 0006.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_trial_conditions_changed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    PERFORM trials_trial_search_conditions_refresh(ARRAY(
        SELECT trial_id FROM old_links UNION SELECT trial_id FROM new_links));
    RETURN NULL;
END
$function$;
