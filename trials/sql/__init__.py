"""The search's PostgreSQL functions and triggers, one file each.

`functions/<name>.sql` and `triggers/<name>.sql` are the source of truth
(README.md here says how to change one). Migrations apply them with
`sql_apply()`, on PostgreSQL only: the embedded SQLite default has none of
them and searches more simply (trials/search.py).

A migration applies a file's text as it is when the migration runs, so it
also records the fingerprint of the text it was written for;
tests/test_search_sql.py fails when a file changed after the newest
migration that applies it (an edit nobody ships to existing databases).
"""

import hashlib
import re
from pathlib import Path

from django.db import migrations

SQL_DIR = Path(__file__).resolve().parent

# In an order they can be created in: a LANGUAGE sql function is checked
# against the tables and functions it names when it is created (plpgsql only
# when it runs), and a trigger needs its function.
FUNCTIONS = (
    "trials_trial_search_vector",
    "trials_trial_search_conditions_refresh",
    "trials_trial_search_conditions",
    "trials_trial_conditions_changed",
    "trials_condition_renamed",
    "trials_trial_site_countries_refresh",
    "trials_site_countries_changed",
    "trials_search_window",
    "trials_search_walk",
    "trials_nearest",
    "trials_word_deletes",
    "trials_words_one_edit",
    "trials_tsquery_any",
    "trials_adjacent_pairs",
)
TRIGGERS = (
    "trials_trial_search_vector",
    "trials_trial_conditions_added",
    "trials_trial_conditions_removed",
    "trials_trial_conditions_changed",
    "trials_condition_renamed",
    "trials_site_countries_added",
    "trials_site_countries_updated",
    "trials_site_countries_removed",
)
ALL_FILES = tuple(f"functions/{name}" for name in FUNCTIONS) + tuple(
    f"triggers/{name}" for name in TRIGGERS
)


def sql_file(name: str) -> str:
    """The text of `<name>.sql`, e.g. sql_file("functions/trials_search_walk")."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def sql_statement(name: str) -> str:
    """The file's statement without its comment header, whitespace collapsed
    and without the final semicolon: what the database's own definition is
    compared with."""
    lines = sql_file(name).splitlines()
    while lines and (not lines[0].strip() or lines[0].startswith("--")):
        lines.pop(0)
    text = "\n".join(lines)
    return re.sub(r"\s+", " ", text).strip().rstrip(";").strip()


def sql_fingerprint(name: str) -> str:
    """Twelve hex digits of the statement's SHA-256: a migration that
    applies the file records it."""
    return hashlib.sha256(sql_statement(name).encode()).hexdigest()[:12]


class SqlApply(migrations.RunPython):
    """Create or replace these functions and triggers from their files, on
    PostgreSQL only. `files` maps each file ("functions/<name>") to the
    fingerprint of the text this migration was written for.

    Reversing it changes nothing: the previous text is in git and in the
    migration that applied it, not in the files."""

    def __init__(self, files: dict[str, str]) -> None:
        unknown = set(files) - set(ALL_FILES)
        if unknown:
            raise ValueError(f"No such SQL file in trials/sql: {sorted(unknown)}")
        self.files = dict(files)
        names = [name for name in ALL_FILES if name in files]

        def apply(apps, schema_editor) -> None:
            if schema_editor.connection.vendor != "postgresql":
                return
            with schema_editor.connection.cursor() as cursor:
                for name in names:
                    cursor.execute(sql_file(name))

        super().__init__(apply, migrations.RunPython.noop, elidable=False)


def sql_apply(files: dict[str, str]) -> SqlApply:
    """The migration operation that (re)applies `files` (see SqlApply)."""
    return SqlApply(files)
