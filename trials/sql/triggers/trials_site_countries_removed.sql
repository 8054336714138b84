-- Sites removed: their trials' site_countries refreshed
-- (trials_site_countries_changed()).
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE TRIGGER trials_site_countries_removed
    AFTER DELETE ON trials_site
    REFERENCING OLD TABLE AS old_sites
    FOR EACH STATEMENT EXECUTE FUNCTION trials_site_countries_changed();
