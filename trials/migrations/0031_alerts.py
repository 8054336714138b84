# When a study site started recruiting: alert subscribers near it.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0030_privacy_staff"),
    ]

    operations = [
        # Nullable, no default: instant on PostgreSQL whatever the number of sites.
        migrations.AddField(
            model_name="site",
            name="recruiting_since",
            field=models.DateTimeField(
                blank=True,
                db_index=True,
                editable=False,
                null=True,
                verbose_name="recruiting since",
            ),
        ),
    ]
