-- A trial-condition link updated in place: both trials refreshed
-- (trials_trial_conditions_changed()).
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE TRIGGER trials_trial_conditions_changed
    AFTER UPDATE ON trials_trial_conditions
    REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION trials_trial_conditions_changed();
