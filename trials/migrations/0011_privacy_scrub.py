"""Contact details out of rows written before they were kept out.

Admin history stored each subscription's old `__str__`, which carried the
address; delivery errors stored smtplib's text, which names the recipient.
Both are rewritten the way new rows are written.
"""

from django.db import migrations

from trials.privacy import ADDRESS


def forward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    OutgoingEmail = apps.get_model("trials", "OutgoingEmail")
    subscription = ContentType.objects.filter(app_label="trials", model="subscription").first()
    if subscription is not None:
        entries = LogEntry.objects.filter(content_type=subscription, object_repr__contains="@")
        for entry in entries.iterator():
            entry.object_repr = f"Subscription #{entry.object_id}"
            entry.save(update_fields=["object_repr"])
    for email in OutgoingEmail.objects.filter(last_error__contains="@").iterator():
        email.last_error = ADDRESS.sub("[address]", email.last_error)
        email.save(update_fields=["last_error"])


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0010_search_window_speed"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
