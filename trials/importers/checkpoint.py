"""Where an interrupted import of files stopped, so the next run goes on from there.

The registry's full download is half a million studies; an import stopped
at 90% (a deploy, a killed container, a full disk) should not start again
from the first. The checkpoint is a small JSON file under VAR_DIR named
after the files' paths, sizes and modification times: a changed file
starts afresh. It holds the mark of the last record up to which every batch
has been written (batches written at once finish out of order) and the
counts so far, and is removed when the import finishes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from django.conf import settings

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

    def __init__(self, paths: list[str], directory: Path | None = None) -> None:
        self.files = _identity(paths)
        key = hashlib.sha256(json.dumps(self.files, sort_keys=True).encode()).hexdigest()[:20]
        self.path = (directory or Path(settings.VAR_DIR) / "import-checkpoints") / f"{key}.json"

    def load(self) -> tuple[Mark, dict[str, int]] | None:
        """The mark and counts an earlier, interrupted run left, if any."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data["files"] != self.files:
                return None
            return Mark(**data["mark"]), {name: int(data["counts"][name]) for name in COUNTED}
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, mark: Mark, summary: ImportSummary) -> None:
        """After each written batch: a small file replaced whole, a few times a second."""
        data = {
            "files": self.files,
            "mark": asdict(mark),
            "counts": {name: getattr(summary, name) for name in COUNTED},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(data), encoding="utf-8")
        os.replace(partial, self.path)  # never half a checkpoint

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
