"""Load the shipped medical terminology (data/terminology/) into the database.

Idempotent and versioned: a file whose checksum is the one already loaded is
skipped; --force loads every file again.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trials.condition_names import condition_names_refresh
from trials.terminology import DATA_DIR, terminology_load


class Command(BaseCommand):
    help = "Load MeSH, HPO and THUOCL terminology for search (skips files already loaded)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=DATA_DIR)
        parser.add_argument("--force", action="store_true", help="load every file again")

    def handle(self, *args, directory: Path, force: bool, **options):
        started = time.monotonic()
        try:
            done = terminology_load(directory=directory, force=force)
        except OSError as exc:
            raise CommandError(f"Cannot read the terminology in {directory}: {exc}") from exc
        for line in done or ["terminology unchanged: nothing loaded"]:
            self.stdout.write(line)
        # The conditions' Chinese names, from what is now loaded (and for
        # conditions imported before the terminology was).
        self.stdout.write(f"condition names in Chinese: {condition_names_refresh():,} changed")
        self.stdout.write(f"in {time.monotonic() - started:.1f} s")
