"""The country and condition filters at registry scale, on PostgreSQL only.

The country filter was "some site of the trial is in this country": at
500,000 studies and 1.46 million sites, "phase 2, age 70, female, China"
(recruiting) read every site for UPPER(country) = 'CHINA' (183,000 sites
of 50,000 trials) and then fetched each of those 50,000 trials by id to test
the other criteria: about 700 ms.

site_countries holds the distinct upper-cased countries of a trial's sites
(blank ones left out), sorted by code point, in the trial's own row
(storage MAIN, as search_rank_vector since migration 0014: the table's
toast_tuple_target of 128 would otherwise move even a short array out of
line). trials/search.py filters on `site_countries @> ARRAY[UPPER(country)]`,
so the country is a property of the trial row and the planner chooses,
with its estimates, between:

- a BitmapAnd of this GIN index (partial on published trials, as the status
  index of migration 0004) with the status index, when both narrow: the
  trials of a small country among the recruiting ones;
- the status index (or the newest-first walk) with the country tested in the
  row, when the country is common: no site is read at all.

Checked on 20,000 trials and 60,000 sites (China on 1 trial in 10, Chile
on 69 trials, 6,000 recruiting), EXPLAIN ANALYZE of the search's count for
"recruiting, phase 2, age 70, female":

- "China": BitmapAnd of trials_trial_site_countries (1,944 trials) and the
  status index (6,000), then the other criteria tested on the 800 rows left:
  1.3 ms (the first page, a top-N sort of the same bitmap: 1.7 ms);
- "Chile": the same BitmapAnd, 23 rows left: 0.3 ms;
- "France" alone (common), the first page newest first: an Index Scan of
  trials_trial_status_updated with `Filter: (site_countries @>
  '{FRANCE}'::text[])` tested in the row, 79 rows read: 0.5 ms.

Before, the counts were a semi-join probing the sites of each of 1,333
recruiting trials (13 to 20 ms here); at registry scale, a sequential scan
of all sites.

Triggers on trials_site keep it current, one per statement (INSERT,
UPDATE, DELETE, with transition tables, as migration 0006 does for the
trial-condition links):

- only trials whose (trial, country) pairs changed are recomputed: an
  UPDATE compares the old and new pairs (the symmetric difference), so an
  import of a changed record or an admin edit of a site's phone reads
  nothing more, and a site moved to another trial recomputes both trials;
- a trial row is written only when its set actually changes (IS DISTINCT
  FROM): such a write is not a HOT update, every index of the trial gets an
  entry (about 150 µs a trial here, against about 17 µs to recompute and
  find nothing to change);
- the update names only site_countries, so the search-vector trigger
  (BEFORE UPDATE OF its columns, migrations 0003 and 0009) does not run,
  and the trial-condition triggers are on another table;
- the trials are locked first, in id order: each statement of the function
  sees what committed before it, so two transactions changing sites of one
  trial never compute its set without the other's sites.

The importer copies new trials with site_countries already filled, as the
trigger writes it, so a new trial is not written twice.

The condition filter (`Condition.objects.filter(name__iexact=...)`) is
`UPPER(name::text) = UPPER(%s)` in Django's SQL: an index of the same
expression replaces a sequential scan of 200,000 condition names (63 ms)
with one index lookup.
"""

from django.db import migrations

from trials.migrations._postgresql import postgresql_only

FORWARD = r"""
ALTER TABLE trials_trial ADD COLUMN site_countries text[] NOT NULL DEFAULT '{}';
ALTER TABLE trials_trial ALTER COLUMN site_countries SET STORAGE MAIN;

UPDATE trials_trial t SET site_countries = c.countries
FROM (
    SELECT trial_id, array_agg(country ORDER BY country) AS countries
    FROM (SELECT DISTINCT trial_id, upper(country) COLLATE "C"
          FROM trials_site WHERE country <> '') d (trial_id, country)
    GROUP BY trial_id
) c
WHERE t.id = c.trial_id;

CREATE INDEX trials_trial_site_countries ON trials_trial USING gin (site_countries)
    WHERE published;

CREATE FUNCTION trials_trial_site_countries_refresh(trial_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(trial_ids), 0) = 0 THEN
        RETURN;
    END IF;
    -- Lock first: the UPDATE below then reads the sites as committed once
    -- any other transaction changing these trials has finished.
    PERFORM 1 FROM trials_trial WHERE id = ANY(trial_ids) ORDER BY id FOR NO KEY UPDATE;
    UPDATE trials_trial t SET site_countries = n.countries
    FROM (
        SELECT u.id, ARRAY(
            SELECT DISTINCT upper(s.country) COLLATE "C" FROM trials_site s
            WHERE s.trial_id = u.id AND s.country <> '' ORDER BY 1) AS countries
        FROM unnest(trial_ids) u (id)
    ) n
    WHERE t.id = n.id AND t.site_countries IS DISTINCT FROM n.countries;
END
$$;

CREATE FUNCTION trials_site_countries_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM trials_trial_site_countries_refresh(ARRAY(
            SELECT DISTINCT trial_id FROM new_sites WHERE country <> ''));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM trials_trial_site_countries_refresh(ARRAY(
            SELECT DISTINCT trial_id FROM old_sites WHERE country <> ''));
    ELSE
        -- The trials that gained or lost a (trial, country) pair; a pair
        -- both before and after stays whatever else changed.
        PERFORM trials_trial_site_countries_refresh(ARRAY(
            SELECT DISTINCT changed.trial_id FROM (
                (SELECT trial_id, upper(country) FROM old_sites WHERE country <> ''
                 EXCEPT SELECT trial_id, upper(country) FROM new_sites WHERE country <> '')
                UNION ALL
                (SELECT trial_id, upper(country) FROM new_sites WHERE country <> ''
                 EXCEPT SELECT trial_id, upper(country) FROM old_sites WHERE country <> '')
            ) changed (trial_id, country)));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER trials_site_countries_added
    AFTER INSERT ON trials_site REFERENCING NEW TABLE AS new_sites
    FOR EACH STATEMENT EXECUTE FUNCTION trials_site_countries_changed();
CREATE TRIGGER trials_site_countries_updated
    AFTER UPDATE ON trials_site REFERENCING OLD TABLE AS old_sites NEW TABLE AS new_sites
    FOR EACH STATEMENT EXECUTE FUNCTION trials_site_countries_changed();
CREATE TRIGGER trials_site_countries_removed
    AFTER DELETE ON trials_site REFERENCING OLD TABLE AS old_sites
    FOR EACH STATEMENT EXECUTE FUNCTION trials_site_countries_changed();

CREATE INDEX trials_condition_name_upper ON trials_condition (upper(name));
"""

BACKWARD = r"""
DROP INDEX IF EXISTS trials_condition_name_upper;
DROP TRIGGER IF EXISTS trials_site_countries_removed ON trials_site;
DROP TRIGGER IF EXISTS trials_site_countries_updated ON trials_site;
DROP TRIGGER IF EXISTS trials_site_countries_added ON trials_site;
DROP FUNCTION IF EXISTS trials_site_countries_changed();
DROP FUNCTION IF EXISTS trials_trial_site_countries_refresh(bigint[]);
DROP INDEX IF EXISTS trials_trial_site_countries;
ALTER TABLE trials_trial DROP COLUMN IF EXISTS site_countries;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0014_search_rank_vector_inline"),
    ]

    operations = [
        postgresql_only(FORWARD, BACKWARD),
    ]
