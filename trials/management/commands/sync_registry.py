"""Follow the registry: python manage.py sync_registry [--since YYYY-MM-DD | --full].

Imports the studies ClinicalTrials.gov changed since the last complete run
(a day of overlap), or since --since, or all of them with --full (also what
the first run does). Resumes an interrupted run. Beat runs it every
REGISTRY_SYNC_EVERY_HOURS; see trials/registry_sync.py.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from trials.importers.summary import RecordError
from trials.registry_sync import RegistryUnavailable, SyncAlreadyRunning, registry_sync


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since takes a date like 2026-01-31, not {value!r}") from None


class Command(BaseCommand):
    help = "Import what ClinicalTrials.gov changed since the last sync (API v2)."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--since", type=_date, help="studies updated on or after this date")
        which.add_argument("--full", action="store_true", help="every study of the registry")

    def handle(self, *args, since: datetime.date | None, full: bool, **options) -> None:
        try:
            run = registry_sync(since=since, full=full)
        except SyncAlreadyRunning as error:
            raise CommandError(str(error)) from None
        except RegistryUnavailable as error:
            raise CommandError(
                f"The registry did not answer: {error}. "
                "The next run resumes where this one stopped."
            ) from None
        self.stdout.write(
            f"{run.pages} pages: {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.failed} failed"
        )
        for error in run.errors[:20]:
            self.stderr.write(f"  {RecordError(**error)}")
