"""Full-text search and distance indexes, on PostgreSQL only.

The columns live in the database and not on the Trial model, so the embedded
SQLite default (with its simpler search, trials/search.py) is untouched:

- search_conditions: the trial's condition names, kept by a statement-level
  trigger on the trial-condition table (conditions are many-to-many, so a
  generated column cannot see them);
- search_vector: every searchable text, weighted A title and conditions,
  B official title, keywords and sponsor, C summary and description; GIN
  indexes, one partial on recruiting trials (the default search);
- search_rank_vector: only the A and B parts, small enough to rank every
  match of a broad term ("cancer") cheaply;
- a row trigger fills both vectors on insert and on update of their columns;
- pg_trgm on condition names for typo tolerance and "did you mean";
- a partial index of recruiting sites' coordinates for the distance search.
"""

from django.db import migrations

from trials.migrations._postgresql import postgresql_only

FORWARD = r"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE trials_trial
    ADD COLUMN search_conditions text NOT NULL DEFAULT '',
    ADD COLUMN search_vector tsvector,
    ADD COLUMN search_rank_vector tsvector;

CREATE FUNCTION trials_trial_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keywords text := CASE WHEN jsonb_typeof(NEW.keywords) = 'array'
        THEN array_to_string(ARRAY(SELECT jsonb_array_elements_text(NEW.keywords)), ' ')
        ELSE '' END;
    ranked tsvector :=
        setweight(to_tsvector('english', coalesce(NEW.brief_title, '') || ' '
                                         || coalesce(NEW.search_conditions, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.official_title, '') || ' ' || keywords
                                            || ' ' || coalesce(NEW.lead_sponsor, '')), 'B');
BEGIN
    NEW.search_rank_vector := ranked;
    NEW.search_vector := ranked
        || setweight(to_tsvector('english', coalesce(NEW.overview, '') || ' '
                                            || coalesce(NEW.description, '')), 'C');
    RETURN NEW;
END
$$;

CREATE TRIGGER trials_trial_search_vector
    BEFORE INSERT OR UPDATE OF brief_title, official_title, keywords, lead_sponsor, overview,
        description, search_conditions
    ON trials_trial FOR EACH ROW EXECUTE FUNCTION trials_trial_search_vector();

CREATE FUNCTION trials_trial_search_conditions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE trials_trial t SET search_conditions = coalesce((
        SELECT string_agg(c.name, ' ' ORDER BY c.name)
        FROM trials_trial_conditions tc JOIN trials_condition c ON c.id = tc.condition_id
        WHERE tc.trial_id = t.id), '')
    WHERE t.id IN (SELECT trial_id FROM changed);
    RETURN NULL;
END
$$;

CREATE TRIGGER trials_trial_conditions_added
    AFTER INSERT ON trials_trial_conditions REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION trials_trial_search_conditions();
CREATE TRIGGER trials_trial_conditions_removed
    AFTER DELETE ON trials_trial_conditions REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION trials_trial_search_conditions();

UPDATE trials_trial t SET search_conditions = coalesce((
    SELECT string_agg(c.name, ' ' ORDER BY c.name)
    FROM trials_trial_conditions tc JOIN trials_condition c ON c.id = tc.condition_id
    WHERE tc.trial_id = t.id), '');

CREATE INDEX trials_trial_search ON trials_trial USING gin (search_vector) WHERE published;
CREATE INDEX trials_trial_search_recruiting ON trials_trial USING gin (search_vector)
    WHERE published AND overall_status = 'RECRUITING';
CREATE INDEX trials_condition_name_trgm ON trials_condition USING gin (name gin_trgm_ops);
CREATE INDEX trials_site_recruiting_coordinates ON trials_site (latitude, longitude)
    INCLUDE (trial_id) WHERE status = 'RECRUITING';
"""

BACKWARD = r"""
DROP INDEX IF EXISTS trials_site_recruiting_coordinates;
DROP INDEX IF EXISTS trials_condition_name_trgm;
DROP TRIGGER IF EXISTS trials_trial_conditions_added ON trials_trial_conditions;
DROP TRIGGER IF EXISTS trials_trial_conditions_removed ON trials_trial_conditions;
DROP FUNCTION IF EXISTS trials_trial_search_conditions();
DROP TRIGGER IF EXISTS trials_trial_search_vector ON trials_trial;
DROP FUNCTION IF EXISTS trials_trial_search_vector();
ALTER TABLE trials_trial DROP COLUMN IF EXISTS search_rank_vector,
    DROP COLUMN IF EXISTS search_vector, DROP COLUMN IF EXISTS search_conditions;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0002_faq_seed"),
    ]

    operations = [postgresql_only(FORWARD, BACKWARD)]
