"""The card of the results lists in a column of its own (TrialPage.card).

A constant default, kept in the database: PostgreSQL 11 and later add the
column without rewriting the table, and the release before, still running
during a deployment, stores its pages without naming the column. Rows
stored before keep their card inside `parts`, where nothing reads it: this
release's pages are another `render_version`, so every page is rendered
again (render_stale_pages) and a results page renders a card it does not
find."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('trials', '0039_search_tsquery_any'),
    ]

    operations = [
        migrations.AddField(
            model_name='trialpage',
            name='card',
            field=models.TextField(blank=True, db_default='', default=''),
        ),
    ]
