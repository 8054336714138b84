"""Load the shipped vocabulary of patients' words and Chinese names
(data/vocabulary.json) and rebuild the lexicon of indexed words.

Idempotent: rows already there (and staff's own) are kept.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trials.condition_names import condition_names_refresh
from trials.lexicon import search_terms_load, search_words_refresh


class Command(BaseCommand):
    help = "Load patients' words and Chinese names for search; rebuild the search lexicon."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", type=Path, nargs="?", default=Path(settings.BASE_DIR) / "data/vocabulary.json"
        )

    def handle(self, *args, path: Path, **options):
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        added = search_terms_load(rows=rows)
        words = search_words_refresh()
        if added:
            condition_names_refresh()
        self.stdout.write(f"{added} search terms added; {words} words in the search lexicon")
