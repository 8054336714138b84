-- Fills the trial's search vectors (function of the same name) on insert and
-- on an update of a column they are made of; other updates (status, dates,
-- site_countries) leave them alone.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE TRIGGER trials_trial_search_vector
    BEFORE INSERT OR UPDATE OF brief_title, official_title, keywords, lead_sponsor,
        overview, description, search_conditions, concepts
    ON trials_trial
    FOR EACH ROW EXECUTE FUNCTION trials_trial_search_vector();
