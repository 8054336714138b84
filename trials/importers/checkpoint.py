"""Where an interrupted import of files stopped, so the next run goes on from there.

The registry's full download is half a million studies; an import stopped
at 90% (a deploy, a killed container, the database restarted) should not
start again from the first. The checkpoint is a row of the database the
import writes to (ImportCheckpoint), keyed by the files' paths, sizes and
modification times: a changed file starts afresh, and so does a fresh or
restored database, which never skips studies it does not hold. It holds the
mark of the last record up to which every batch has been written (batches
written at once finish out of order) and the counts so far, and is removed
when the import finishes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict

from trials.models import ImportCheckpoint

from .reader import Mark
from .summary import ImportSummary

COUNTED = ("created", "updated", "unchanged", "failed")


def _identity(paths: list[str]) -> list[dict]:
    files = []
    for path in paths:
        stat = os.stat(path)
        files.append(
            {"path": os.path.abspath(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        )
    return files


class Checkpoint:
    """The resume point of one import of one set of files."""

    def __init__(self, paths: list[str]) -> None:
        self.files = _identity(paths)
        self.key = hashlib.sha256(json.dumps(self.files, sort_keys=True).encode()).hexdigest()

    def load(self) -> tuple[Mark, dict[str, int]] | None:
        """The mark and counts an earlier, interrupted run left, if any."""
        row = ImportCheckpoint.objects.filter(key=self.key).first()
        if row is None or row.files != self.files:
            return None
        try:
            return Mark(**row.mark), {name: int(row.counts[name]) for name in COUNTED}
        except (KeyError, TypeError, ValueError):
            return None

    def save(self, mark: Mark, summary: ImportSummary) -> None:
        """After each written batch: one small row, in its own statement."""
        ImportCheckpoint.objects.update_or_create(
            key=self.key,
            defaults={
                "files": self.files,
                "mark": asdict(mark),
                "counts": {name: getattr(summary, name) for name in COUNTED},
            },
        )

    def clear(self) -> None:
        ImportCheckpoint.objects.filter(key=self.key).delete()
