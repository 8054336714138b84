"""Import ClinicalTrials.gov API v2 study JSON: python manage.py import_trials FILE [FILE ...].

A file is a single study, a page {"studies": [...]}, a JSON array, one study
per line, or a .zip of such files. Idempotent: a re-import changes nothing.
An import that was interrupted (killed, a deploy, the database gone) goes on
where it stopped when run again on the same, unchanged files; --restart
reads them from the start. The exit status is 1 when any record failed (the
others are imported).
"""

from __future__ import annotations

import time
from contextlib import ExitStack

from django.core.management.base import BaseCommand, CommandError

from trials.importers import Checkpoint, ImportProgress, import_studies

BAR_WIDTH = 30


class ProgressBar:
    """One line on stderr, redrawn at most a few times a second."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.drawn = 0.0
        self.last: ImportProgress | None = None

    def __call__(self, progress: ImportProgress, force: bool = False) -> None:
        self.last = progress
        now = time.monotonic()
        if now - self.drawn < 0.2 and not force:
            return
        self.drawn = now
        rate = progress.studies / max(now - self.started, 1e-6)
        line = f"{progress.studies:,} studies  {rate:,.0f}/s"
        if progress.bytes_total:
            share = min(progress.bytes_read / progress.bytes_total, 1.0)
            filled = int(share * BAR_WIDTH)
            line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%}  {line}"
        self.stream.write(f"\r{line}", ending="")
        self.stream.flush()

    def close(self) -> None:
        if self.last:
            self(self.last, force=True)
            self.stream.write("", ending="\n")


class Command(BaseCommand):
    help = "Import ClinicalTrials.gov API v2 study JSON (study, page, array, NDJSON or .zip)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--progress",
            action="store_true",
            help="Show the progress bar even when stderr is not a terminal.",
        )
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--writers",
            type=int,
            default=2,
            help="Batches written at once, each on its own connection (PostgreSQL only).",
        )
        parser.add_argument(
            "--restart",
            action="store_true",
            help="Read the files from the start, even if an earlier run of them was interrupted.",
        )

    def handle(self, *args, files: list[str], progress: bool, restart: bool, **options) -> None:
        bar = ProgressBar(self.stderr) if progress or self.stderr.isatty() else None
        try:
            checkpoint = Checkpoint(files)
        except OSError as exc:
            raise CommandError(f"cannot read {exc.filename}: {exc.strerror}") from exc
        if restart:
            checkpoint.clear()
        with ExitStack() as stack:
            sources = []
            for path in files:
                try:
                    sources.append((path, stack.enter_context(open(path, "rb"))))
                except OSError as exc:
                    raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
            summary = import_studies(
                sources=sources,
                progress=bar,
                batch_size=options["batch_size"],
                writers=options["writers"],
                checkpoint=checkpoint,
            )
        if bar:
            bar.close()
        if summary.resumed:
            self.stdout.write(summary.resumed_line())
        for line in summary.error_lines():
            self.stderr.write(line)
        self.stdout.write(summary.counts_line())
        if summary.absent:
            self.stdout.write(summary.absent_line())
        if not summary.ok:
            raise CommandError(f"{summary.failed} record(s) failed", returncode=1)
