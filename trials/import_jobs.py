"""Study files uploaded in the admin, imported by a worker, not in the request.

A registry export can take minutes to import; inside the web request it
would hold a worker and be killed by gunicorn's timeout. The upload is
written to VAR_DIR/imports/ (shared by web and worker in docker-compose),
an ImportJob row is stored, and its task is queued once the row is
committed. The worker claims the job once (queued -> running), imports the
files through the same importer as `manage.py import_trials`, writes its
progress at most every PROGRESS_SECONDS, and records the counts and the
records it could not import. The files are deleted when the job ends.
Without a broker (`make run`), the task runs in-process right after the
upload's commit.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from trials.importers import ImportProgress, import_studies
from trials.models import ImportJob

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 2.0


def _folder(job_key: str) -> Path:
    return Path(settings.VAR_DIR) / "imports" / job_key


def import_job_create(*, files: list[UploadedFile], user) -> ImportJob:
    """Keep the uploaded files and queue their import; return the job."""
    key = uuid.uuid4().hex
    folder = _folder(key)
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for number, upload in enumerate(files):
        # Our own file name: the browser's may hold anything.
        path = folder / f"{number:03d}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        stored.append({"name": upload.name[:200], "path": str(path)})
    with transaction.atomic():
        job = ImportJob.objects.create(created_by=user, files=stored)
        transaction.on_commit(lambda: import_job_task.delay(job.pk))
    return job


def import_job_run(*, job_id: int) -> bool:
    """Import one job's files, once; False when another worker has it or had it."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    if not claimed:
        return False
    job = ImportJob.objects.get(pk=job_id)
    last_write = [0.0]

    def progress(read: ImportProgress) -> None:
        now = time.monotonic()
        if now - last_write[0] < PROGRESS_SECONDS:
            return
        last_write[0] = now
        ImportJob.objects.filter(pk=job_id).update(
            studies=read.studies, bytes_read=read.bytes_read, bytes_total=read.bytes_total
        )

    try:
        with ExitStack() as files:
            sources = [
                (entry["name"], files.enter_context(open(entry["path"], "rb")))
                for entry in job.files
            ]
            summary = import_studies(sources=sources, progress=progress)
    except Exception as error:  # noqa: BLE001 - recorded for staff, then raised for the log
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            last_error=str(error)[:2000],
            finished_at=timezone.now(),
        )
        _forget_files(job)
        raise
    job.refresh_from_db(fields=["studies", "bytes_read", "bytes_total"])
    job.count_in(summary)
    job.status = ImportJob.Status.SUCCEEDED
    job.studies = summary.created + summary.updated + summary.unchanged + summary.failed
    job.absent = summary.absent
    job.finished_at = timezone.now()
    job.save()
    _forget_files(job)
    logger.info("Import %s: %s", job_id, summary.counts_line())
    return True


def _forget_files(job: ImportJob) -> None:
    if job.files:
        shutil.rmtree(Path(job.files[0]["path"]).parent, ignore_errors=True)


@shared_task(ignore_result=True)
def import_job_task(job_id: int) -> bool:
    return import_job_run(job_id=job_id)
