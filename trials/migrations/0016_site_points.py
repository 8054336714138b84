"""Distance at registry scale, on PostgreSQL only: the recruiting sites'
points in a GiST index, and the nearest trials in one function.

A search near a place reads the recruiting sites in a bounding box round it.
Through the (latitude, longitude) B-tree that is every site in the box's band
of latitude round the whole world, each tested for its longitude and then
read from the table. This index holds only recruiting sites (the only ones
a search reads) as points, reads the box itself, and carries the trial and
the coordinates, so the sites are read from the index alone
(trials.distance.near_sites). Sites without coordinates have no point.

trials_nearest(near_sql, found_sql, size, ratio) then joins the trials near
the place (`near_sql`: trial id and distance of its nearest site) with the
trials meeting the other criteria (`found_sql`: id and last update), nearest
first, then newest. The planner cannot estimate how many points a box holds
(a constant share: 43 trials where 3,030 are 500 km round Hangzhou at
500,000 studies), and it does not know that testing a trial's words costs a
fetch of its out-of-line search vector; with one statement it read every
near trial by id and tested it, even for a rare word. The function collects
the near trials into arrays first (they never leave the server: sent from
Python, 3,000 ids and distances cost more than the join) and then chooses
by the planner's estimate of the trials meeting the criteria: fewer than
`ratio` times the near trials (a rare word's matches), they are read first
through their indexes and joined ("sarcoma" round Hangzhou: 47 ms to
11 ms; "diabetes" round Tokyo, 1,609 near trials: 23 to 12 ms); otherwise
each near trial is read by id and tested ("cancer" round Boston: 6 ms,
where reading the 32,000 recruiting cancer trials first would take 60).
EXPLAIN inside makes the function VOLATILE.
"""

from django.db import migrations

from trials.migrations._postgresql import postgresql_only

FORWARD = r"""
CREATE INDEX trials_site_recruiting_point ON trials_site
    USING gist (point(longitude, latitude)) INCLUDE (trial_id, latitude, longitude)
    WHERE status = 'RECRUITING';

CREATE FUNCTION trials_nearest(near_sql text, found_sql text, size integer, ratio float8)
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
    kms float8[];
    plan json;
    join_sql text;
BEGIN
    EXECUTE 'SELECT array_agg(trial_id), array_agg(km) FROM (' || near_sql || ') near (trial_id, km)'
        INTO ids, kms;
    IF ids IS NULL THEN
        RETURN;
    END IF;
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || found_sql INTO plan;
    join_sql := 'SELECT found.id FROM unnest($1, $2) AS near (trial_id, km) '
        'JOIN found ON found.id = near.trial_id '
        'ORDER BY near.km, found.last_updated DESC, found.id LIMIT $3';
    IF (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8 < ratio * cardinality(ids) THEN
        -- Few trials meet the criteria (a rare word) against many near the
        -- place: all of them through their indexes, then joined.
        join_sql := 'WITH found (id, last_updated) AS MATERIALIZED (' || found_sql || ') '
            || join_sql;
    ELSE
        -- Each near trial read by id and tested; planned with the near
        -- trials as values, so the planner knows how many there are.
        join_sql := 'WITH found (id, last_updated) AS NOT MATERIALIZED (' || found_sql || ') '
            || join_sql;
    END IF;
    RETURN QUERY EXECUTE join_sql USING ids, kms, size;
END
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS trials_nearest(text, text, integer, float8);
DROP INDEX IF EXISTS trials_site_recruiting_point;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0015_search_site_countries"),
    ]

    operations = [
        postgresql_only(FORWARD, BACKWARD),
    ]
