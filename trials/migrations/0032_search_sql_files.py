"""The search's functions and triggers from their files in trials/sql/.

Until now each was defined, and some redefined, across migrations 0003 to
0016, so its current text was whichever migration came last. From here the
files are the source of truth (trials/sql/README.md): this migration
applies every one of them as it stands, the same text those migrations left
in the database (tests/test_search_sql.py compares them), so on an existing
database nothing changes. CREATE OR REPLACE for functions and triggers
(PostgreSQL 14 and later): no table is rewritten and each trigger's table
is locked only for the moment its trigger is replaced. PostgreSQL only.

And the two search vectors and their GIN indexes, there since migrations
0003 and 0007, become what Django knows of the trial (state only: nothing
is written or rebuilt at 500,000 trials). One index is renamed, instantly,
to fit Django's 30 characters for an index name. On SQLite, where nothing
fills them, the columns are added empty so that the model reads the same.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

from trials.sql import sql_apply

LONG_NAME, SHORT_NAME = "trials_trial_search_title_recruiting", "trials_trial_title_recruiting"
SQLITE_INDEXES = {
    "trials_trial_search": "search_vector) WHERE published",
    "trials_trial_search_recruiting": "search_vector)"
    " WHERE overall_status = 'RECRUITING' AND published",
    "trials_trial_search_title": "search_rank_vector) WHERE published",
    SHORT_NAME: "search_rank_vector) WHERE overall_status = 'RECRUITING' AND published",
}


def columns_forward(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(f"ALTER INDEX IF EXISTS {LONG_NAME} RENAME TO {SHORT_NAME}")
            return
        for column in ("search_vector", "search_rank_vector"):
            cursor.execute(f"ALTER TABLE trials_trial ADD COLUMN {column} tsvector NULL")
        for name, rest in SQLITE_INDEXES.items():
            cursor.execute(f"CREATE INDEX {name} ON trials_trial ({rest}")


def columns_backward(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(f"ALTER INDEX IF EXISTS {SHORT_NAME} RENAME TO {LONG_NAME}")
            return
        for name in SQLITE_INDEXES:
            cursor.execute(f"DROP INDEX {name}")
        for column in ("search_vector", "search_rank_vector"):
            cursor.execute(f"ALTER TABLE trials_trial DROP COLUMN {column}")


VECTOR = django.contrib.postgres.search.SearchVectorField(editable=False, null=True)
GinIndex = django.contrib.postgres.indexes.GinIndex
PUBLISHED = models.Q(("published", True))
RECRUITING = models.Q(("overall_status", "RECRUITING"), ("published", True))


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0031_alerts"),
    ]

    operations = [
        sql_apply(
            {
                "functions/trials_trial_search_vector": "cf21cd1ebecc",
                "functions/trials_trial_search_conditions_refresh": "28f2912b5fa1",
                "functions/trials_trial_search_conditions": "e06a06b7733e",
                "functions/trials_trial_conditions_changed": "5918ffb73c45",
                "functions/trials_condition_renamed": "1fff325c47cc",
                "functions/trials_trial_site_countries_refresh": "6b479972841b",
                "functions/trials_site_countries_changed": "9ebeb85ff716",
                "functions/trials_search_window": "a35b5ae33fac",
                "functions/trials_search_walk": "7ff1f25508ac",
                "functions/trials_nearest": "756f8bdfa388",
                "functions/trials_word_deletes": "0ece458d4d40",
                "functions/trials_words_one_edit": "acd40d63feb4",
                "triggers/trials_trial_search_vector": "7aed2828ecc1",
                "triggers/trials_trial_conditions_added": "31f2359ecd77",
                "triggers/trials_trial_conditions_removed": "df877f82693b",
                "triggers/trials_trial_conditions_changed": "de65aabbc8a4",
                "triggers/trials_condition_renamed": "a8d5d82c8f77",
                "triggers/trials_site_countries_added": "de067c2bb858",
                "triggers/trials_site_countries_updated": "d3e2edab8ef8",
                "triggers/trials_site_countries_removed": "860a58a37aef",
            }
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField("trial", "search_rank_vector", VECTOR),
                migrations.AddField("trial", "search_vector", VECTOR),
                migrations.AddIndex(
                    "trial",
                    GinIndex(
                        condition=PUBLISHED, fields=["search_vector"], name="trials_trial_search"
                    ),
                ),
                migrations.AddIndex(
                    "trial",
                    GinIndex(
                        condition=RECRUITING,
                        fields=["search_vector"],
                        name="trials_trial_search_recruiting",
                    ),
                ),
                migrations.AddIndex(
                    "trial",
                    GinIndex(
                        condition=PUBLISHED,
                        fields=["search_rank_vector"],
                        name="trials_trial_search_title",
                    ),
                ),
                migrations.AddIndex(
                    "trial",
                    GinIndex(condition=RECRUITING, fields=["search_rank_vector"], name=SHORT_NAME),
                ),
            ],
            database_operations=[migrations.RunPython(columns_forward, columns_backward)],
        ),
    ]
