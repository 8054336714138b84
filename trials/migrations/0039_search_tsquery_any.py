"""A concept's names matched as one tsquery without the names another's
words cover (trials/sql/functions/trials_tsquery_any.sql)."""

from django.db import migrations

from trials.sql import sql_apply


class Migration(migrations.Migration):
    dependencies = [("trials", "0038_terminology_wordnet_source")]

    operations = [sql_apply({"functions/trials_tsquery_any": "5dfd3e90d3c4"})]
