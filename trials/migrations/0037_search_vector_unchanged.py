"""The search vectors kept when an update leaves their text as it was
(trials/sql/functions/trials_trial_search_vector.sql)."""

from django.db import migrations

from trials.sql import sql_apply


class Migration(migrations.Migration):
    dependencies = [("trials", "0036_trial_columns_lz4")]

    operations = [sql_apply({"functions/trials_trial_search_vector": "b9a7b46573dc"})]
