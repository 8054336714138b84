-- Recomputes search_conditions (the trial's condition names, sorted, one
-- space between) for these trials. Writing the column fires the
-- trials_trial_search_vector trigger, so the vectors follow.
--
-- Called by trials_trial_conditions_changed() and trials_condition_renamed().
-- The importer writes the same text itself when it COPYs a new trial
-- (trials/importers/writer.py), so a new trial is not written twice.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_trial_search_conditions_refresh(trial_ids bigint[])
 RETURNS void
 LANGUAGE sql
AS $function$
    UPDATE trials_trial t SET search_conditions = coalesce((
        SELECT string_agg(c.name, ' ' ORDER BY c.name)
        FROM trials_trial_conditions tc JOIN trials_condition c ON c.id = tc.condition_id
        WHERE tc.trial_id = t.id), '')
    WHERE t.id = ANY(trial_ids);
$function$;
