"""Migration steps that only PostgreSQL takes.

The search columns, triggers and indexes live in the database, not on the
models, so the embedded SQLite default (with its simpler search) is left as
it is. Django's migration loader skips modules whose names start with "_".
The search's functions and triggers are defined in trials/sql/ since
migration 0032 (trials/sql/README.md); the inline definitions of earlier
migrations are history.
"""

from django.db import migrations


def postgresql_only(forward_sql: str, backward_sql: str) -> migrations.RunPython:
    def run(sql: str):
        def step(apps, schema_editor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                with schema_editor.connection.cursor() as cursor:
                    cursor.execute(sql)

        return step

    return migrations.RunPython(run(forward_sql), run(backward_sql))
