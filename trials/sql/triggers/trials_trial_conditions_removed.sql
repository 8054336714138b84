-- Conditions unlinked from trials: as trials_trial_conditions_added.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE TRIGGER trials_trial_conditions_removed
    AFTER DELETE ON trials_trial_conditions
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION trials_trial_search_conditions();
