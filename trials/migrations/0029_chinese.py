from django.db import migrations, models
from django.db.models.functions import Lower


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
        migrations.AddIndex(
            model_name="terminologyterm",
            index=models.Index(
                Lower("meaning"),
                condition=models.Q(("source", "hpo-zh")),
                name="terminology_zh_meaning",
            ),
        ),
        migrations.AddIndex(
            model_name="terminologyterm",
            index=models.Index(
                condition=models.Q(("source", "hpo-zh")),
                fields=["descriptor_id"],
                name="terminology_zh_descriptor",
            ),
        ),
    ]
