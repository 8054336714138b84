"""Keep search_rank_vector in the trial's row, not out of line.

Measured at 500,000 studies: the heap was 167 MB (334 bytes a trial) and
every search_rank_vector (about 520 bytes) lived in TOAST, so each test of
it, walking the newest trials (migration 0013), rechecking a quoted phrase
or ranking the window, fetched it through the TOAST index: about 10 µs a
trial, most of a broad search's time. Storage MAIN keeps it in the row
(compressed, and moved out only if the row still does not fit); the large
text columns and the full search_vector stay out of line. Existing rows are
rewritten once so that their vectors move in.
"""

from django.db import migrations

from trials.migrations._postgresql import postgresql_only

FORWARD = r"""
ALTER TABLE trials_trial ALTER COLUMN search_rank_vector SET STORAGE MAIN;
-- A new value (the same words) is stored by the column's new storage; the
-- same value would keep its TOAST pointer.
UPDATE trials_trial SET search_rank_vector = search_rank_vector || ''::tsvector;
"""

BACKWARD = "ALTER TABLE trials_trial ALTER COLUMN search_rank_vector SET STORAGE EXTENDED;"


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0013_search_walk"),
    ]

    operations = [
        postgresql_only(FORWARD, BACKWARD),
    ]
