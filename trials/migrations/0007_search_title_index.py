"""GIN indexes on search_rank_vector (title, conditions, keywords, sponsor),
on PostgreSQL only.

Relevance fills its rank window with the newest trials that have the words in
those fields first, and only then with trials that mention them elsewhere
(trials/search.py): these indexes find the first kind without reading rows.
"""

from django.db import migrations

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


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0006_search_refresh"),
    ]

    operations = [migrations.RunPython(forward, backward)]
