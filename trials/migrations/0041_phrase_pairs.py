"""Quoted phrases read through the pairs of words side by side in
search_rank_vector (trials/sql/functions/trials_adjacent_pairs.sql): the
function, and a GIN index of it on PostgreSQL.

The index is built CONCURRENTLY, outside a transaction, so that the trials
table keeps taking writes (an import, staff's edits) while it is built:
51 s and 117 MB at 500,000 studies (bench/README.md, "Quoted phrases
through their word pairs"). A build that failed leaves an invalid index,
which IF NOT EXISTS would keep: it is dropped first. SQLite has neither;
its search does not read them.
"""

from django.db import migrations

from trials.sql import sql_apply

INDEX = "trials_trial_phrase_pairs"


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname = %s AND NOT i.indisvalid",
            [INDEX],
        )
        if cursor.fetchone():
            cursor.execute(f"DROP INDEX CONCURRENTLY {INDEX}")
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON trials_trial"
            " USING gin (trials_adjacent_pairs(search_rank_vector))"
        )


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("trials", "0040_trialpage_card")]

    operations = [
        sql_apply({"functions/trials_adjacent_pairs": "78ec29a4fa8b"}),
        migrations.RunPython(forward, backward),
    ]
