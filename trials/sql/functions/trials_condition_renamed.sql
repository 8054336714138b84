-- Trigger function of trials_condition_renamed: a condition renamed (staff in
-- the admin, or an import correcting a spelling) refreshes search_conditions
-- of every trial linked to it. A trigger with transition tables cannot name
-- columns (UPDATE OF name), so the function compares the old and new names
-- itself and an update that keeps the name costs nothing. Since migration 0006.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_condition_renamed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    PERFORM trials_trial_search_conditions_refresh(ARRAY(
        SELECT DISTINCT tc.trial_id
        FROM trials_trial_conditions tc
        JOIN new_conditions n ON n.id = tc.condition_id
        JOIN old_conditions o ON o.id = n.id
        WHERE o.name IS DISTINCT FROM n.name));
    RETURN NULL;
END
$function$;
