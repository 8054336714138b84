"""Render the stored parts of recruiting trials' pages that are missing or out
of date (trials/trial_pages.py): after a release that changed templates, code
or translations, every page is out of date.

    python manage.py render_trial_pages          # queued for the worker
    python manage.py render_trial_pages --wait   # here, with progress
"""

from django.core.management.base import BaseCommand

from trials.trial_pages import queue_stale_pages, render_pages, stale_recruiting


class Command(BaseCommand):
    help = "Render the pages of recruiting trials whose stored parts are missing or out of date."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--wait", action="store_true", help="render here, batch by batch, not in the worker"
        )

    def handle(self, *args, wait: bool, **options) -> None:
        if not wait:
            queue_stale_pages()
            self.stdout.write("Queued: the worker renders the pages that are out of date.")
            return
        after, trials = 0, 0
        while trial_ids := stale_recruiting(after):
            render_pages(trial_ids)
            trials += len(trial_ids)
            after = trial_ids[-1]
            self.stdout.write(f"{trials:,} trials rendered", ending="\r")
        self.stdout.write(f"{trials:,} trials rendered in every language.")
