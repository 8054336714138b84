"""Distance at registry scale, on PostgreSQL only: the recruiting sites'
points in a GiST index, and the nearest trials in one function.

A search near a place reads the recruiting sites in a bounding box round it.
Through the (latitude, longitude) B-tree that is every site in the box's band
of latitude round the whole world, each tested for its longitude and then
read from the table. This index holds only recruiting sites (the only ones
a search reads) as points, reads the box itself, and carries the trial and
the coordinates, so the sites are read from the index alone
(trials.distance.near_sites). Sites without coordinates have no point.

trials_nearest(near_sql, found_sql, size) then joins the trials near the
place (`near_sql`: trial id and distance of its nearest site) with the trials
meeting the other criteria (`found_sql`: id and last update), nearest first,
then newest. The planner cannot estimate how many points a box holds (a
constant 0.5%: 43 trials where 3,030 are 500 km round Hangzhou at 500,000
studies), so with one statement it read each near trial by id and tested its
out-of-line search vector, even for a rare word. The function collects the
near trials into arrays first and plans the join with them as values: a few
hundred near trials are read by id; thousands are joined with a rare word's
few matches from its index ("sarcoma" there: 47 ms to 11 ms). The arrays
never leave the server: sent from Python, 3,000 ids and distances cost more
than the join.
"""

from django.db import migrations

from trials.migrations._postgresql import postgresql_only

FORWARD = r"""
CREATE INDEX trials_site_recruiting_point ON trials_site
    USING gist (point(longitude, latitude)) INCLUDE (trial_id, latitude, longitude)
    WHERE status = 'RECRUITING';

CREATE FUNCTION trials_nearest(near_sql text, found_sql text, size integer)
RETURNS SETOF bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    ids bigint[];
    kms float8[];
BEGIN
    EXECUTE 'SELECT array_agg(trial_id), array_agg(km) FROM (' || near_sql || ') near (trial_id, km)'
        INTO ids, kms;
    IF ids IS NULL THEN
        RETURN;
    END IF;
    -- A statement planned with its values: unnest() of them is known to
    -- give exactly as many rows as there are near trials.
    RETURN QUERY EXECUTE
        'SELECT found.id FROM unnest($1, $2) AS near (trial_id, km) JOIN ('
        || found_sql || ') AS found (id, last_updated) ON found.id = near.trial_id '
        'ORDER BY near.km, found.last_updated DESC, found.id LIMIT $3'
        USING ids, kms, size;
END
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS trials_nearest(text, text, integer);
DROP INDEX IF EXISTS trials_site_recruiting_point;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0015_search_site_countries"),
    ]

    operations = [
        postgresql_only(FORWARD, BACKWARD),
    ]
