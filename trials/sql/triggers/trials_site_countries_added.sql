-- Sites added: their trials' site_countries refreshed
-- (trials_site_countries_changed()), once per statement.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE TRIGGER trials_site_countries_added
    AFTER INSERT ON trials_site
    REFERENCING NEW TABLE AS new_sites
    FOR EACH STATEMENT EXECUTE FUNCTION trials_site_countries_changed();
