"""Narrow trial rows and a listing index, on PostgreSQL only.

A search of a broad term visits every matching row to order the rank window
by last update (trials/search.py). With toast_tuple_target at its minimum
the long texts and vectors are stored out of line, so those rows sit in few,
cached pages. The index serves the default listing (recruiting, newest
first) and filters without words.
"""

from django.db import migrations

from trials.migrations._postgresql import postgresql_only

FORWARD = """
ALTER TABLE trials_trial SET (toast_tuple_target = 128);
CREATE INDEX trials_trial_status_updated ON trials_trial
    (overall_status, last_updated DESC NULLS LAST, id) WHERE published;
"""

BACKWARD = """
DROP INDEX IF EXISTS trials_trial_status_updated;
ALTER TABLE trials_trial RESET (toast_tuple_target);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0003_search_index"),
    ]

    operations = [postgresql_only(FORWARD, BACKWARD)]
