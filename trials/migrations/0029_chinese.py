from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("trials", "0026_import_jobs")]

    operations = [
        migrations.AddField(
            model_name="condition",
            name="name_zh_hans",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                max_length=200,
                verbose_name="Chinese name (from the terminology)",
            ),
        ),
    ]
