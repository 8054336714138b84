"""Staff's searches of patients' and subscribers' contact details, through
trigram indexes on PostgreSQL.

The admin searches these columns with `icontains`, which Django writes as
`UPPER(column::text) LIKE UPPER('%…%')`: with 100,000 inquiries that read
every row (about 1 s, bench/README.md "Staff's admin at registry scale").
A GIN trigram index of the same expression answers it (pg_trgm, created by
migration 0003). Built CONCURRENTLY, outside a transaction, so a large
table keeps taking writes (patients' messages) while it is built. SQLite
searches as before.
"""

from django.db import migrations

COLUMNS = {
    "trials_inquiry": ("first_name", "last_name", "email", "phone"),
    "trials_subscription": ("email", "interests", "place_text"),
}


def _indexes():
    for table, columns in COLUMNS.items():
        for column in columns:
            yield f"{table}_{column}_trgm", table, column


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, table, column in _indexes():
            cursor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
                f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
            )


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _table, _column in _indexes():
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("trials", "0024_email_kinds"),
    ]

    operations = [migrations.RunPython(forward, backward)]
