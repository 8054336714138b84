"""The search's functions and triggers from their files in trials/sql/.

Until now each was defined, and some redefined, across migrations 0003 to
0016, so its current text was whichever migration came last. From here the
files are the source of truth (trials/sql/README.md): this migration
applies every one of them as it stands, the same text those migrations left
in the database (tests/test_search_sql.py compares them), so on an existing
database nothing changes. CREATE OR REPLACE for functions and triggers
(PostgreSQL 14 and later): no table is rewritten and each trigger's table
is locked only for the moment its trigger is replaced. PostgreSQL only.
"""

from django.db import migrations

from trials.sql import sql_apply


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0026_import_jobs"),
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
    ]
