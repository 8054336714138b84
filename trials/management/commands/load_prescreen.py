"""Load what staff wrote for the shipped trials from data/prescreen.json:
pre-screening questions, and the sites' names in other languages.

Idempotent: a trial that already has questions keeps them (staff may have
edited them) unless --replace; trials not in the database are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from trials.models import Trial
from trials.prescreen import prescreen_questions_load, site_names_load


class Command(BaseCommand):
    help = "Load pre-screening questions per trial from a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--replace", action="store_true", help="Overwrite questions a trial already has."
        )

    def handle(self, *args, path: Path, replace: bool, **options):
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        for entry in entries:
            nct_id = entry["trial"]
            trial = Trial.objects.filter(nct_id=nct_id).first()
            if trial is None:
                self.stdout.write(f"{nct_id}: not in the database, skipped")
                continue
            with transaction.atomic():
                written = prescreen_questions_load(
                    trial=trial, questions=entry["questions"], replace=replace
                )
                named = site_names_load(trial=trial, sites=entry.get("sites", []))
            if named:
                self.stdout.write(f"{nct_id}: {named} site names in other languages added")
            if written:
                self.stdout.write(f"{nct_id}: {written} questions loaded")
            else:
                self.stdout.write(f"{nct_id}: already has questions, kept")
