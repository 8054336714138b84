-- Trigger function of trials_trial_conditions_added and
-- trials_trial_conditions_removed (statement triggers on the trial-condition
-- links, transition table `changed`): recomputes search_conditions of every
-- trial whose links were added or removed. Conditions are many-to-many, so a
-- generated column cannot see them. Since migration 0003.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_trial_search_conditions()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    UPDATE trials_trial t SET search_conditions = coalesce((
        SELECT string_agg(c.name, ' ' ORDER BY c.name)
        FROM trials_trial_conditions tc JOIN trials_condition c ON c.id = tc.condition_id
        WHERE tc.trial_id = t.id), '')
    WHERE t.id IN (SELECT trial_id FROM changed);
    RETURN NULL;
END
$function$;
