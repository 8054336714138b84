"""An interrupted import of the registry's files goes on where it stopped."""

from __future__ import annotations

import io
import json
import os
import zipfile

import pytest
from django.core.management import call_command

from tests.test_importer import ndjson, study
from trials.importers import Checkpoint, ImportSummary, import_studies
from trials.importers.reader import Mark
from trials.importers.service import _Batch, _Written
from trials.models import ImportCheckpoint, Trial

pytestmark = pytest.mark.django_db


def nct(number: int) -> str:
    return f"NCT{number:08d}"


class Breaks(io.RawIOBase):
    """A file whose reading fails after `limit` bytes, like a disk or mount that goes away."""

    def __init__(self, data: bytes, limit: int) -> None:
        self.data = io.BytesIO(data)
        self.limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.data.tell() >= self.limit:
            raise OSError(5, "Input/output error")
        chunk = self.data.read(min(len(buffer), self.limit - self.data.tell()))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("writers", [1, 2])
def test_an_interrupted_import_goes_on_after_the_last_written_batch(tmp_path, writers):
    data = ndjson(*(study(nct(n)) for n in range(1, 41)), "not json")
    path = tmp_path / "studies.jsonl"
    path.write_bytes(data)
    checkpoint = Checkpoint([str(path)])

    with pytest.raises(OSError):
        import_studies(
            sources=[(str(path), Breaks(data, len(data) * 3 // 4))],
            batch_size=10,
            writers=writers,
            checkpoint=checkpoint,
        )
    written = Trial.objects.count()
    assert 10 <= written < 40
    # The checkpoint is a row of the database imported into: a fresh or
    # restored database has none, and never skips what it does not hold.
    assert ImportCheckpoint.objects.count() == 1
    mark, counts = checkpoint.load()
    assert mark == Mark(0, 0, written) and counts["created"] == written

    with open(path, "rb") as stream:
        summary = import_studies(
            sources=[(str(path), stream)], batch_size=10, writers=writers, checkpoint=checkpoint
        )

    assert summary.resumed
    assert (summary.created, summary.unchanged, summary.failed) == (40, 0, 1)
    assert Trial.objects.count() == 40
    assert checkpoint.load() is None and not ImportCheckpoint.objects.exists()


def test_the_command_resumes_a_zip_without_reading_the_members_already_imported(tmp_path):
    path = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(1, 7):
            archive.writestr(f"{nct(n)}.json", json.dumps(study(nct(n))))
    # An earlier run wrote the first three members (0, 1, 2) and was killed.
    earlier = ImportSummary(created=3)
    Checkpoint([str(path)]).save(Mark(0, 2, 1), earlier)

    out = io.StringIO()
    call_command("import_trials", str(path), stdout=out)

    text = out.getvalue()
    assert "Resumed where an interrupted import of the same files stopped" in text
    assert "created 6 / updated 0 / unchanged 0 / failed 0" in text
    # Members before the mark were skipped, not read again.
    assert sorted(Trial.objects.values_list("nct_id", flat=True)) == [nct(4), nct(5), nct(6)]
    assert not ImportCheckpoint.objects.exists()


def test_restart_and_a_changed_file_read_from_the_start(tmp_path):
    path = tmp_path / "studies.jsonl"
    path.write_bytes(ndjson(study(nct(1)), study(nct(2))))
    Checkpoint([str(path)]).save(Mark(0, 0, 1), ImportSummary(created=1))

    call_command("import_trials", str(path), "--restart", stdout=io.StringIO())
    assert Trial.objects.count() == 2

    Checkpoint([str(path)]).save(Mark(0, 0, 2), ImportSummary(created=2))
    path.write_bytes(ndjson(study(nct(1)), study(nct(2)), study(nct(3))))
    os.utime(path, ns=(1, 1))
    assert Checkpoint([str(path)]).load() is None
    out = io.StringIO()
    call_command("import_trials", str(path), stdout=out)
    assert "Resumed" not in out.getvalue()
    assert "created 1 / updated 0 / unchanged 2" in out.getvalue()


def test_batches_written_out_of_order_move_the_checkpoint_only_when_all_before_are_written(
    tmp_path,
):
    checkpoint = Checkpoint([])
    summary = ImportSummary()
    written = _Written(summary, checkpoint)
    first = written.sent(_Batch([], [], Mark(0, 0, 10), 10, 0))
    second = written.sent(_Batch([], [], Mark(0, 0, 20), 20, 0))

    written.done(second, ImportSummary(created=10))
    assert checkpoint.load() is None and summary.created == 0

    written.done(first, ImportSummary(created=10))
    mark, counts = checkpoint.load()
    assert mark == Mark(0, 0, 20) and counts["created"] == summary.created == 20
