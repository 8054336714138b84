-- Conditions linked to trials: their search_conditions are recomputed
-- (trials_trial_search_conditions()), once per statement.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE TRIGGER trials_trial_conditions_added
    AFTER INSERT ON trials_trial_conditions
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION trials_trial_search_conditions();
