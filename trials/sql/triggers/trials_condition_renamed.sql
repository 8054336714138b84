-- A condition renamed: its trials refreshed (trials_condition_renamed()).
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE TRIGGER trials_condition_renamed
    AFTER UPDATE ON trials_condition
    REFERENCING OLD TABLE AS old_conditions NEW TABLE AS new_conditions
    FOR EACH STATEMENT EXECUTE FUNCTION trials_condition_renamed();
