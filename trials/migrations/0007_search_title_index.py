"""GIN indexes on search_rank_vector (title, conditions, keywords, sponsor),
on PostgreSQL only.

Relevance fills its rank window with the newest trials that have the words in
those fields first, and only then with trials that mention them elsewhere
(trials/search.py): these indexes find the first kind without reading rows.
"""

from django.db import migrations

from trials.migrations._postgresql import postgresql_only

FORWARD = """
CREATE INDEX trials_trial_search_title ON trials_trial USING gin (search_rank_vector)
    WHERE published;
CREATE INDEX trials_trial_search_title_recruiting ON trials_trial
    USING gin (search_rank_vector) WHERE published AND overall_status = 'RECRUITING';
"""

BACKWARD = """
DROP INDEX IF EXISTS trials_trial_search_title_recruiting;
DROP INDEX IF EXISTS trials_trial_search_title;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0006_search_refresh"),
    ]

    operations = [postgresql_only(FORWARD, BACKWARD)]
