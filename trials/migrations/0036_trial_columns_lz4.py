"""A trial's long columns compressed with LZ4 instead of pglz (PostgreSQL).

A trial row carries its registry record, summary, description, criteria
and search vector: several kilobytes that PostgreSQL compresses as it
stores them. pglz did so at about a sixth of an import's database time
(20,000 studies: 19.9 s of backend CPU with pglz, 16.8 s with LZ4, see
bench/README.md); LZ4 is several times faster both ways, for a little
more disk. Values already stored stay as they are (both are read); only
what is written from here on is compressed with LZ4. Needs a PostgreSQL
built with LZ4 (the official images and Debian's are); without it nothing
changes. Changing a column's compression is a catalogue update: no table
rewrite, a moment's lock.
"""

from django.db import migrations

COLUMNS = (
    "source_record",
    "search_vector",
    "overview",
    "description",
    "eligibility_criteria",
    "official_title",
    "concepts",
    "lay_summary",
    "translations",
    "central_contacts",
    "overall_officials",
)


LZ4_BUILT = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"


def _compression(method: str):
    def step(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(LZ4_BUILT)
            row = cursor.fetchone()
            if method == "lz4" and not (row and row[0]):
                return
            clauses = ", ".join(
                f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in COLUMNS
            )
            cursor.execute(f"ALTER TABLE trials_trial {clauses}")

    return step


class Migration(migrations.Migration):
    dependencies = [("trials", "0035_trial_pages")]

    operations = [migrations.RunPython(_compression("lz4"), _compression("default"))]
